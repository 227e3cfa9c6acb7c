# Interactive board shell (board/run-board shell); exits when the shell does.
echo "board: shell; vmm and images are in /usr/bin and /guest"
setsid cttyhack sh
