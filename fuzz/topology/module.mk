FUZZERS += fuzz_topology
fuzz_topology_SRCS := fuzz/topology/fuzz_topology.c
fuzz_topology_LIBS := svtopo svlinkfmt svdevices svvhost svvirtio svpci svutil
fuzz_topology_LDLIBS := -lyaml
