#!/bin/sh
# Format check (clang-format, kernel style) and static analysis (cppcheck).
set -eu
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' | grep -v '^kmod/' || true)
[ -n "$files" ] || exit 0
bad=0
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "lint: $f is not clang-formatted (run: make format)"
		bad=1
	fi
done
cppcheck --quiet --error-exitcode=1 --inline-suppr --std=c11 \
	--enable=warning,portability --suppress=missingIncludeSystem \
	-Iinclude $files || bad=1
exit $bad
