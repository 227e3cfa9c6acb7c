# svtopo: topology files (YAML, libyaml) -> validated model of VMs and links.
# Users link svlinkfmt (the sv.link writer) and -lyaml.
NATIVE_LIBS += svtopo
ARM64_LIBS += svtopo
svtopo_SRCS := lib/topology/parse.c lib/topology/parse_devices.c lib/topology/parse_util.c \
	lib/topology/validate.c lib/topology/model.c lib/topology/diag.c \
	lib/topology/load.c
