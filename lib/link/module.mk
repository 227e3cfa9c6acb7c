# svlinkfmt: the text formats that carry a link from one process to
# another, each with its writer and its parser in one place: the vmm's
# --link/--serve argument (supervisor -> vmm).
# Users also link svutil.
NATIVE_LIBS += svlinkfmt
ARM64_LIBS += svlinkfmt
svlinkfmt_SRCS := lib/link/fmt.c lib/link/link_args.c
