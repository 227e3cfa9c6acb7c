NATIVE_LIBS += svpci
ARM64_LIBS += svpci
svpci_SRCS := lib/pci/pci_cfg.c lib/pci/pci_msix.c lib/pci/pci_msi.c lib/pci/pci_cfg_state.c
