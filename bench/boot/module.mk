# bench/boot: boot-to-init benchmark, our vmm against QEMU/KVM in the board.
# bootclock runs a VMM, timestamps the guest's init line and its exit.
ARM64_BINS += bootclock
bootclock_SRCS := bench/boot/bootclock.c
