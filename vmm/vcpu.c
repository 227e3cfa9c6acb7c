// SPDX-License-Identifier: GPL-2.0
/*
 * One thread per vCPU. PSCI (CPU_ON/OFF, SYSTEM_OFF/RESET) is handled in
 * the kernel (KVM_ARM_VCPU_PSCI_0_2); secondary vCPUs start powered off and
 * are woken by the guest's CPU_ON without any help from us. SYSTEM_OFF and
 * SYSTEM_RESET come back as KVM_EXIT_SYSTEM_EVENT and stop the whole VM;
 * with --reboot-fd a reset is reported first, so the VM is started again.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <splitvirt/counter.h>
#include <splitvirt/log.h>

#include "vmm.h"

#define CORE_REG(name)                                         \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
	 (offsetof(struct kvm_regs, name) / sizeof(uint32_t)))
#define MPIDR_EL1 ARM64_SYS_REG(3, 0, 0, 0, 5)
#define MPIDR_AFFINITY_MASK 0xff00ffffffull
#define KICK_SIGNAL SIGUSR1

static int set_reg(int fd, uint64_t id, uint64_t value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)&value };

	return ioctl(fd, KVM_SET_ONE_REG, &reg) < 0 ? -errno : 0;
}

static int get_reg(int fd, uint64_t id, uint64_t *value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)value };

	return ioctl(fd, KVM_GET_ONE_REG, &reg) < 0 ? -errno : 0;
}

static int vcpu_init_one(struct vm *vm, struct vcpu *vcpu, const struct kvm_vcpu_init *target)
{
	struct kvm_vcpu_init init = *target;
	int ret;

	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, vcpu->id);
	if (vcpu->fd < 0) {
		ret = -errno;
		pr_err("vCPU %u: KVM_CREATE_VCPU: %s", vcpu->id, strerror(errno));
		return ret;
	}
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (vcpu->id > 0)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if (ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		ret = -errno;
		pr_err("vCPU %u: KVM_ARM_VCPU_INIT: %s", vcpu->id, strerror(errno));
		return ret;
	}
	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		pr_err("vCPU %u: mmap kvm_run: %s", vcpu->id, strerror(errno));
		return -ENOMEM;
	}
	ret = get_reg(vcpu->fd, MPIDR_EL1, &vcpu->mpidr);
	if (ret) {
		pr_err("vCPU %u: reading MPIDR_EL1: %s", vcpu->id, strerror(-ret));
		return ret;
	}
	vcpu->mpidr &= MPIDR_AFFINITY_MASK;
	return 0;
}

/*
 * KVM starts each VM's virtual counter at 0 (a per-VM offset). Ours reads
 * what the host's does instead, in every VM we run: stamps taken in a
 * driver VM, a device VM and on the host then share one time line, which
 * is what a per-request trace across VMs needs (include/splitvirt/counter.h).
 * Guests do not care where the count starts. KVM applies the offset to all
 * of the VM's vCPUs and resets it when one is created: after the last one.
 */
static void vcpus_share_host_counter(struct vm *vm)
{
	int ret = set_reg(vm->vcpus[0].fd, KVM_REG_ARM_TIMER_CNT, sv_counter_read());

	if (ret)
		pr_warn("sharing the host's counter with the guest (KVM_REG_ARM_TIMER_CNT): %s; "
			"traces across VMs will not line up",
			strerror(-ret));
}

int vcpus_create(struct vm *vm, unsigned int n)
{
	struct kvm_vcpu_init target;
	int ret;

	if (ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &target) < 0) {
		pr_err("KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
		return -errno;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		vcpu->vm = vm;
		vcpu->id = i;
		vcpu->fd = -1;
		ret = vcpu_init_one(vm, vcpu, &target);
		vm->ncpus = i + 1;
		if (ret)
			return ret;
	}
	vcpus_share_host_counter(vm);
	return 0;
}

/* arm64 boot protocol: x0 = DTB address, x1-x3 = 0, MMU off, EL1h, DAIF masked. */
int vcpu_set_boot_regs(struct vcpu *vcpu, uint64_t pc, uint64_t x0)
{
	int ret;

	ret = set_reg(vcpu->fd, CORE_REG(regs.pc), pc);
	if (!ret)
		ret = set_reg(vcpu->fd, CORE_REG(regs.regs[0]), x0);
	for (int i = 1; !ret && i < 4; i++)
		ret = set_reg(vcpu->fd, CORE_REG(regs.regs[i]), 0);
	return ret;
}

static void kick_handler(int sig)
{
	(void)sig;
}

static void vm_kick_all(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
		if (v->thread && !pthread_equal(v->thread, pthread_self()))
			pthread_kill(v->thread, KICK_SIGNAL);
	}
}

/*
 * Stopped from outside (the supervisor's SIGTERM at the end of a topology,
 * or when a VM hangs): say where each vCPU was, so that a guest that hung
 * at boot leaves a trace (its PC, and whether its timer had fired unseen).
 */
static volatile sig_atomic_t stop_signal;
static struct vm *signalled_vm;

static void stop_handler(int sig)
{
	stop_signal = sig;
	atomic_store(&signalled_vm->stopping, true);
	vm_kick_all(signalled_vm);
}

int vcpus_stop_signal(void)
{
	return stop_signal;
}

static void vcpu_report_stopped(const struct vcpu *vcpu)
{
	uint64_t pc = 0, pstate = 0, ctl = 0, cval = 0, cnt = 0;
	int64_t due_us;

	if (get_reg(vcpu->fd, CORE_REG(regs.pc), &pc) ||
	    get_reg(vcpu->fd, CORE_REG(regs.pstate), &pstate)) {
		pr_info("vCPU %u stopped by signal %d after %lu exits", vcpu->id, (int)stop_signal,
			vcpu->exits);
		return;
	}
	get_reg(vcpu->fd, KVM_REG_ARM_TIMER_CTL, &ctl);
	get_reg(vcpu->fd, KVM_REG_ARM_TIMER_CVAL, &cval);
	get_reg(vcpu->fd, KVM_REG_ARM_TIMER_CNT, &cnt);
	due_us = (int64_t)(cval - cnt) / (int64_t)(sv_counter_freq() / 1000000 ?: 1);
	/*
	 * CTL: bit 0 enable, bit 1 masked, bit 2 condition met. Enabled, not
	 * masked and met for over a second: the guest was never told (a guest
	 * takes its timer interrupt within microseconds), i.e. the host's KVM
	 * lost the interrupt, which hangs a guest asleep in WFI.
	 */
	pr_info("vCPU %u stopped by signal %d at pc 0x%llx (pstate 0x%llx) after %lu exits; "
		"virtual timer ctl 0x%llx, deadline %+lld us from now%s",
		vcpu->id, (int)stop_signal, (unsigned long long)pc, (unsigned long long)pstate,
		vcpu->exits, (unsigned long long)ctl, (long long)due_us,
		(ctl & 7) == 5 && due_us < -1000000 ? " (timer interrupt pending and not taken)" :
						      "");
}

static void vcpu_stop_vm(struct vcpu *vcpu, int status)
{
	vm_request_stop(vcpu->vm, status);
	vm_kick_all(vcpu->vm);
}

static void handle_system_event(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	int status = atomic_load(&vm->exit_status);

	switch (vcpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		pr_info("guest powered off (PSCI SYSTEM_OFF), status %d", status);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		if (vm_request_reboot(vcpu->vm) == 0) {
			pr_info("guest requested a reset (PSCI SYSTEM_RESET); the supervisor starts it again");
			status = 0;
		} else {
			pr_info("guest requested a reset (PSCI SYSTEM_RESET); stopping, status %d",
				status);
		}
		break;
	default:
		pr_err("guest crashed (system event %u)", vcpu->run->system_event.type);
		status = 1;
		break;
	}
	vcpu_stop_vm(vcpu, status);
}

static void handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (!mmio_bus_dispatch(&vcpu->vm->bus, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
			       run->mmio.is_write))
		pr_debug("vCPU %u: %s of %u bytes at unmapped 0x%llx ignored", vcpu->id,
			 run->mmio.is_write ? "write" : "read", run->mmio.len,
			 (unsigned long long)run->mmio.phys_addr);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	sigset_t unblock;

	sigemptyset(&unblock);
	sigaddset(&unblock, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);

	while (!atomic_load(&vm->stopping)) {
		vcpu->exits++;
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			pr_err("vCPU %u: KVM_RUN: %s", vcpu->id, strerror(errno));
			vcpu_stop_vm(vcpu, 1);
			break;
		}
		switch (vcpu->run->exit_reason) {
		case KVM_EXIT_MMIO:
			handle_mmio(vcpu);
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			handle_system_event(vcpu);
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_FAIL_ENTRY:
			pr_err("vCPU %u: entry failed, hardware reason 0x%llx", vcpu->id,
			       (unsigned long long)
				       vcpu->run->fail_entry.hardware_entry_failure_reason);
			vcpu_stop_vm(vcpu, 1);
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			pr_err("vCPU %u: KVM internal error, suberror %u", vcpu->id,
			       vcpu->run->internal.suberror);
			vcpu_stop_vm(vcpu, 1);
			break;
		default:
			pr_err("vCPU %u: unexpected exit reason %u", vcpu->id,
			       vcpu->run->exit_reason);
			vcpu_stop_vm(vcpu, 1);
			break;
		}
	}
	if (stop_signal)
		vcpu_report_stopped(vcpu);
	return NULL;
}

int vcpus_run(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	struct sigaction stop = { .sa_handler = stop_handler };
	sigset_t block;
	int ret;

	/* No SA_RESTART: the kick must interrupt KVM_RUN. */
	sigaction(KICK_SIGNAL, &sa, NULL);
	signalled_vm = vm;
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGINT, &stop, NULL);
	/* Only vCPU threads take the kick; they unblock it themselves. */
	sigemptyset(&block);
	sigaddset(&block, KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &block, NULL);

	for (unsigned int i = 0; i < vm->ncpus; i++) {
		ret = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
		if (ret) {
			pr_err("starting vCPU %u thread: %s", i, strerror(ret));
			vm_request_stop(vm, 1);
			vm_kick_all(vm);
			break;
		}
	}
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		if (vm->vcpus[i].thread)
			pthread_join(vm->vcpus[i].thread, NULL);
	}
	return atomic_load(&vm->exit_status);
}

void vcpus_destroy(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, vm->run_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	vm->ncpus = 0;
}
