# The demo: a 2-vCPU driver VM on our vmm reaches init, runs a command and
# powers off; its status becomes ours.
echo "demo: starting a 2-vCPU driver VM on the splitvirt vmm"
vmm --kernel /guest/Image --initrd /guest/initrd.cpio --mem 256M --cpus 2 \
	--cmdline "console=ttyAMA0 quiet sv.run=hello"
rc=$?
echo "demo: ---------------------------------------------"
if [ $rc -eq 0 ]; then
	echo "demo: SUCCESS: the driver VM booted, ran its command and powered off (status 0)"
else
	echo "demo: FAILED: the vmm exited with status $rc"
fi
exit $rc
