# jmp.s - f0 as katana leaves it after apply: its entry is a 5-byte
# `jmp rel32` (opcode 0xe9) to the new code, here f0_new.
	.text
	.globl	f0
	.type	f0, @function
f0:
	.byte	0xe9
	.long	f0_new - . - 4
	.size	f0, . - f0
	.section .note.GNU-stack,"",@progbits
