# A 2-vCPU guest sees both CPUs online and the memory it was given.
. /tests/lib.sh
run_vm --cpus 2 --mem 192M --cmdline "console=ttyAMA0 quiet sv.run=facts"
[ "$VM_RC" -eq 0 ] || fail "vmm exited with $VM_RC"
[ "$(fact cpus)" = 2 ] || fail "guest saw $(fact cpus) cpus, want 2"
[ "$(fact online)" = 0-1 ] || fail "guest online cpus '$(fact online)', want 0-1"
kb=$(fact memtotal_kb)
# MemTotal excludes the kernel image and reserved memory; 192 MiB minus at most 48 MiB.
[ "$kb" -gt $((144 * 1024)) ] && [ "$kb" -le $((192 * 1024)) ] || fail "MemTotal $kb kB for 192 MiB"
echo "2 cpus online, MemTotal $kb kB"
