# svlinkfmt: the two text formats that carry a link from one process to
# another, each with its writer and its parser in one place: the vmm's
# --link/--serve argument (supervisor -> vmm) and the device VM's
# sv.link<ID>= kernel parameter (topology model -> devmodel).
# Users also link svutil.
NATIVE_LIBS += svlinkfmt
ARM64_LIBS += svlinkfmt
svlinkfmt_SRCS := lib/link/link_args.c lib/link/link_spec.c
