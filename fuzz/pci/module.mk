FUZZERS += fuzz_pci_cfg
fuzz_pci_cfg_SRCS := fuzz/pci/fuzz_pci_cfg.c
fuzz_pci_cfg_LIBS := svpci
