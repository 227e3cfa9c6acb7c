FUZZERS += fuzz_rpc_msg fuzz_rpc_iobuf
fuzz_rpc_msg_SRCS := fuzz/rpc/fuzz_rpc_msg.c
fuzz_rpc_msg_LIBS := svrpc svutil
fuzz_rpc_iobuf_SRCS := fuzz/rpc/fuzz_rpc_iobuf.c
fuzz_rpc_iobuf_LIBS := svrpc svutil
