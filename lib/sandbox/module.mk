# svsandbox: seccomp allow-lists, no_new_privs, /proc readers. Whatever
# links seccomp.c (sv_sandbox_apply, sv_syscall_name) also needs -lseccomp:
# native libseccomp-dev, or Debian's arm64 libseccomp.a (images/fetch-debian.sh).
NATIVE_LIBS += svsandbox
ARM64_LIBS += svsandbox
svsandbox_SRCS := lib/sandbox/rules.c lib/sandbox/proc.c lib/sandbox/seccomp.c
