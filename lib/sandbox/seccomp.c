// SPDX-License-Identifier: GPL-2.0
/* Installing a profile's rules (rules.c) with libseccomp. */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <splitvirt/log.h>
#include <splitvirt/sandbox.h>

static int add_rule(scmp_filter_ctx ctx, const struct sv_sc_rule *r)
{
	uint32_t action = r->action == SV_SC_ENOSYS ? SCMP_ACT_ERRNO(ENOSYS) :
			  r->action == SV_SC_EACCES ? SCMP_ACT_ERRNO(EACCES) :
						      SCMP_ACT_ALLOW;
	int nr = seccomp_syscall_resolve_name(r->name);

	/* A name this architecture lacks is no hole: nothing can call it. */
	if (nr == __NR_SCMP_ERROR)
		return 0;
	switch (r->cmp) {
	case SV_SC_EQ:
		return seccomp_rule_add(ctx, action, nr, 1,
					SCMP_CMP(r->arg, SCMP_CMP_MASKED_EQ, r->mask, r->value));
	case SV_SC_SELF_PID:
		return seccomp_rule_add(ctx, action, nr, 1,
					SCMP_CMP(r->arg, SCMP_CMP_EQ, (uint64_t)getpid()));
	default:
		return seccomp_rule_add(ctx, action, nr, 0);
	}
}

int sv_sandbox_apply(enum sv_sandbox_profile p, enum sv_seccomp_mode mode)
{
	const struct sv_sc_rule *rules;
	scmp_filter_ctx ctx;
	size_t n;
	int ret;

	/* Also what lets an unprivileged process install a filter at all. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (mode == SV_SECCOMP_OFF)
		return 0;
	ctx = seccomp_init(mode == SV_SECCOMP_LOG ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return -ENOMEM;
	/* Every thread, also one started before us (an event loop, say). */
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	/*
	 * A binary search over syscall numbers rather than a linear walk:
	 * every KVM_RUN exit and doorbell passes the filter.
	 */
	if (!ret)
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	rules = sv_sandbox_rules(p, &n);
	for (size_t i = 0; i < n && !ret; i++) {
		ret = add_rule(ctx, &rules[i]);
		if (ret)
			pr_err("seccomp rule for %s: %s", rules[i].name, strerror(-ret));
	}
	if (!ret)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	return ret;
}

int sv_sandbox_apply_env(enum sv_sandbox_profile p)
{
	const char *text = getenv("SPLITVIRT_SECCOMP");
	enum sv_seccomp_mode mode;
	int ret;

	if (sv_seccomp_mode_parse(text, &mode)) {
		pr_err("SPLITVIRT_SECCOMP=%s: give kill, log or off", text);
		return -EINVAL;
	}
	ret = sv_sandbox_apply(p, mode);
	if (ret) {
		pr_err("installing the %s seccomp filter: %s", sv_sandbox_profile_name(p),
		       strerror(-ret));
		return ret;
	}
	if (mode == SV_SECCOMP_OFF)
		pr_warn("seccomp off (SPLITVIRT_SECCOMP=off): no syscall filter");
	else
		pr_info("sandbox: seccomp %s filter (%s), no_new_privs, uid %d",
			sv_sandbox_profile_name(p),
			mode == SV_SECCOMP_LOG ? "log only: violations go to the kernel log" :
						 "violations kill",
			(int)getuid());
	return 0;
}

void sv_sandbox_selftest(const char *name)
{
	const char *v = getenv("SPLITVIRT_SANDBOX_SELFTEST");

	if (!v || !*v || (strcmp(v, "1") && (!name || strcmp(v, name))))
		return;
	pr_info("sandbox self-test: calling ptrace(), which no profile allows");
	/* PTRACE_TRACEME: harmless if it does get through (log/off mode). */
	syscall(SYS_ptrace, 0L, 0L, 0L, 0L);
	pr_warn("sandbox self-test: ptrace() returned: the filter did not kill us");
}

const char *sv_syscall_name(long nr)
{
	static char name[64];
	char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);

	if (!s)
		return NULL;
	snprintf(name, sizeof(name), "%s", s);
	free(s);
	return name;
}
