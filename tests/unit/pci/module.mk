UNIT_TESTS += test_pci_cfg
test_pci_cfg_SRCS := tests/unit/pci/test_pci_cfg.c
test_pci_cfg_LIBS := svpci
