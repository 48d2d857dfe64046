//go:build amd64 && !purego

#include "textflag.h"

// AVX-512 forms of Exp, Logistic and Tanh, 16 values per instruction. Each does, lane by lane,
// exactly the operations of the AVX2 path (expAVX2 in exp_amd64.s, then logisticCombineAVX2 or
// tanhCombineAVX2 in act_amd64.s, with the scalar -|x| or -2|x| in between), in one pass over
// the data and without the intermediate buffer, so the results are bit-identical to it.

// c512: the constants of exp_amd64.s's expConsts and act_amd64.s's actConsts, once each (the
// kernels broadcast them), and -2 for Tanh.
DATA c512<>+0(SB)/4, $0xc2d00000 // -104.0
DATA c512<>+4(SB)/4, $0x42b20000 // 89.0
DATA c512<>+8(SB)/4, $0x3fb8aa3b // log2(e)
DATA c512<>+12(SB)/4, $0x3f318000 // C1 0.693359375
DATA c512<>+16(SB)/4, $0xb95e8083 // C2 -0.00021219444
DATA c512<>+20(SB)/4, $0x39506967 // P0
DATA c512<>+24(SB)/4, $0x3ab743ce // P1
DATA c512<>+28(SB)/4, $0x3c088908 // P2
DATA c512<>+32(SB)/4, $0x3d2aa9c1 // P3
DATA c512<>+36(SB)/4, $0x3e2aaaaa // P4
DATA c512<>+40(SB)/4, $0x3f000000 // P5
DATA c512<>+44(SB)/4, $0x3f800000 // 1.0
DATA c512<>+48(SB)/4, $127 // exponent bias
DATA c512<>+52(SB)/4, $0x80000000 // sign bit
DATA c512<>+56(SB)/4, $0x3f200000 // 0.625
DATA c512<>+60(SB)/4, $0xc0000000 // -2.0
DATA c512<>+64(SB)/4, $0xbbbaf0ea // tanh T0
DATA c512<>+68(SB)/4, $0x3ca9134e // T1
DATA c512<>+72(SB)/4, $0xbd5c1e2d // T2
DATA c512<>+76(SB)/4, $0x3e088393 // T3
DATA c512<>+80(SB)/4, $0xbeaaaa99 // T4
GLOBL c512<>(SB), RODATA|NOPTR, $84

// EXP16 sets Z2 = exp(Z6) by expAVX2's method, leaving Z6 unchanged; it overwrites Z1-Z5, Z8 and
// K1 and reads the constants LOADEXP puts in Z16-Z28 (Z29: the sign-bit mask).
#define EXP16 \
	VCMPPS $3, Z6, Z6, K1; \
	VMAXPS Z16, Z6, Z8; \
	VMINPS Z17, Z8, Z8; \
	VMULPS Z18, Z8, Z1; \
	VRNDSCALEPS $0, Z1, Z1; \
	VFNMADD231PS Z19, Z1, Z8; \
	VFNMADD231PS Z20, Z1, Z8; \
	VMULPS Z8, Z8, Z3; \
	VMOVAPS Z21, Z2; \
	VFMADD213PS Z22, Z8, Z2; \
	VFMADD213PS Z23, Z8, Z2; \
	VFMADD213PS Z24, Z8, Z2; \
	VFMADD213PS Z25, Z8, Z2; \
	VFMADD213PS Z26, Z8, Z2; \
	VFMADD213PS Z8, Z3, Z2; \
	VADDPS Z27, Z2, Z2; \
	VCVTPS2DQ Z1, Z1; \
	VPSRAD $1, Z1, Z4; \
	VPSUBD Z4, Z1, Z5; \
	VPADDD Z28, Z4, Z4; \
	VPSLLD $23, Z4, Z4; \
	VPADDD Z28, Z5, Z5; \
	VPSLLD $23, Z5, Z5; \
	VMULPS Z4, Z2, Z2; \
	VMULPS Z5, Z2, Z2; \
	VMOVAPS Z6, K1, Z2

#define LOADEXP \
	VBROADCASTSS c512<>+0(SB), Z16; \
	VBROADCASTSS c512<>+4(SB), Z17; \
	VBROADCASTSS c512<>+8(SB), Z18; \
	VBROADCASTSS c512<>+12(SB), Z19; \
	VBROADCASTSS c512<>+16(SB), Z20; \
	VBROADCASTSS c512<>+20(SB), Z21; \
	VBROADCASTSS c512<>+24(SB), Z22; \
	VBROADCASTSS c512<>+28(SB), Z23; \
	VBROADCASTSS c512<>+32(SB), Z24; \
	VBROADCASTSS c512<>+36(SB), Z25; \
	VBROADCASTSS c512<>+40(SB), Z26; \
	VBROADCASTSS c512<>+44(SB), Z27; \
	VPBROADCASTD c512<>+48(SB), Z28; \
	VPBROADCASTD c512<>+52(SB), Z29

// func expAVX512(dst, src *float32, n int)
// Sets dst[i] = exp(src[i]) for i < n (n a multiple of 16).
TEXT ·expAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX
	JZ edone
	LOADEXP
eloop:
	VMOVUPS (SI), Z6
	EXP16
	VMOVUPS Z2, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ eloop
	VZEROUPPER
edone:
	RET

// func logisticAVX512(dst, src *float32, n int)
// Sets dst[i] = logistic(src[i]) for i < n (n a multiple of 16): e = exp(-|x|), then 1/(1+e)
// where the sign bit of x is clear and e/(1+e) where it is set.
TEXT ·logisticAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX
	JZ ldone
	LOADEXP
	VBROADCASTSS c512<>+44(SB), Z15
lloop:
	VMOVUPS (SI), Z0          // x
	VPORD Z29, Z0, Z6         // -|x|
	EXP16                     // e
	VADDPS Z15, Z2, Z9        // 1 + e
	VDIVPS Z9, Z15, Z10       // r = 1/(1+e)
	VMULPS Z10, Z2, Z11       // e·r
	VPTESTMD Z29, Z0, K2      // sign bit of x set
	VMOVAPS Z11, K2, Z10
	VMOVUPS Z10, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ lloop
	VZEROUPPER
ldone:
	RET

// func tanhAVX512(dst, src *float32, n int)
// Sets dst[i] = tanh(src[i]) for i < n (n a multiple of 16): s = exp(-2|x|), then an odd
// polynomial of x where |x| < 0.625, else sign(x)·(1-s)/(1+s).
TEXT ·tanhAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX
	JZ tdone
	LOADEXP
	VBROADCASTSS c512<>+44(SB), Z15
	VBROADCASTSS c512<>+56(SB), Z13
	VBROADCASTSS c512<>+60(SB), Z14
	VBROADCASTSS c512<>+64(SB), Z30
	VBROADCASTSS c512<>+68(SB), Z31
	VBROADCASTSS c512<>+72(SB), Z12
	VBROADCASTSS c512<>+76(SB), Z7
	VBROADCASTSS c512<>+80(SB), Z9
tloop:
	VMOVUPS (SI), Z0          // x
	VPANDND Z0, Z29, Z11      // |x|
	VMULPS Z14, Z11, Z6       // -2|x|
	EXP16                     // s
	VSUBPS Z2, Z15, Z10       // 1 - s
	VADDPS Z15, Z2, Z3        // 1 + s
	VDIVPS Z3, Z10, Z10       // (1-s)/(1+s)
	VPANDD Z29, Z0, Z4        // sign bit of x
	VPORD Z4, Z10, Z10        // large branch, with the sign of x
	VMULPS Z0, Z0, Z5         // z = x²
	VMOVAPS Z30, Z6
	VFMADD213PS Z31, Z5, Z6
	VFMADD213PS Z12, Z5, Z6
	VFMADD213PS Z7, Z5, Z6
	VFMADD213PS Z9, Z5, Z6
	VMULPS Z5, Z6, Z6         // P(z)·z
	VFMADD213PS Z0, Z0, Z6    // x·P(z)·z + x
	VCMPPS $1, Z13, Z11, K2   // |x| < 0.625
	VMOVAPS Z6, K2, Z10
	VMOVUPS Z10, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ tloop
	VZEROUPPER
tdone:
	RET
