//go:build amd64 && !purego

#include "textflag.h"

// actConsts: float32 constants of Logistic and Tanh (see exp.go), each repeated 8 times, then
// the mask of the float32 sign bit repeated 8 times.
DATA actConsts<>+0(SB)/4, $0x3f800000 // 1.0
DATA actConsts<>+4(SB)/4, $0x3f800000 // 1.0
DATA actConsts<>+8(SB)/4, $0x3f800000 // 1.0
DATA actConsts<>+12(SB)/4, $0x3f800000 // 1.0
DATA actConsts<>+16(SB)/4, $0x3f800000 // 1.0
DATA actConsts<>+20(SB)/4, $0x3f800000 // 1.0
DATA actConsts<>+24(SB)/4, $0x3f800000 // 1.0
DATA actConsts<>+28(SB)/4, $0x3f800000 // 1.0
DATA actConsts<>+32(SB)/4, $0x3f200000 // 0.625
DATA actConsts<>+36(SB)/4, $0x3f200000 // 0.625
DATA actConsts<>+40(SB)/4, $0x3f200000 // 0.625
DATA actConsts<>+44(SB)/4, $0x3f200000 // 0.625
DATA actConsts<>+48(SB)/4, $0x3f200000 // 0.625
DATA actConsts<>+52(SB)/4, $0x3f200000 // 0.625
DATA actConsts<>+56(SB)/4, $0x3f200000 // 0.625
DATA actConsts<>+60(SB)/4, $0x3f200000 // 0.625
DATA actConsts<>+64(SB)/4, $0xbbbaf0ea // -0.00570498872745
DATA actConsts<>+68(SB)/4, $0xbbbaf0ea // -0.00570498872745
DATA actConsts<>+72(SB)/4, $0xbbbaf0ea // -0.00570498872745
DATA actConsts<>+76(SB)/4, $0xbbbaf0ea // -0.00570498872745
DATA actConsts<>+80(SB)/4, $0xbbbaf0ea // -0.00570498872745
DATA actConsts<>+84(SB)/4, $0xbbbaf0ea // -0.00570498872745
DATA actConsts<>+88(SB)/4, $0xbbbaf0ea // -0.00570498872745
DATA actConsts<>+92(SB)/4, $0xbbbaf0ea // -0.00570498872745
DATA actConsts<>+96(SB)/4, $0x3ca9134e // 0.0206390887954
DATA actConsts<>+100(SB)/4, $0x3ca9134e // 0.0206390887954
DATA actConsts<>+104(SB)/4, $0x3ca9134e // 0.0206390887954
DATA actConsts<>+108(SB)/4, $0x3ca9134e // 0.0206390887954
DATA actConsts<>+112(SB)/4, $0x3ca9134e // 0.0206390887954
DATA actConsts<>+116(SB)/4, $0x3ca9134e // 0.0206390887954
DATA actConsts<>+120(SB)/4, $0x3ca9134e // 0.0206390887954
DATA actConsts<>+124(SB)/4, $0x3ca9134e // 0.0206390887954
DATA actConsts<>+128(SB)/4, $0xbd5c1e2d // -0.0537397155531
DATA actConsts<>+132(SB)/4, $0xbd5c1e2d // -0.0537397155531
DATA actConsts<>+136(SB)/4, $0xbd5c1e2d // -0.0537397155531
DATA actConsts<>+140(SB)/4, $0xbd5c1e2d // -0.0537397155531
DATA actConsts<>+144(SB)/4, $0xbd5c1e2d // -0.0537397155531
DATA actConsts<>+148(SB)/4, $0xbd5c1e2d // -0.0537397155531
DATA actConsts<>+152(SB)/4, $0xbd5c1e2d // -0.0537397155531
DATA actConsts<>+156(SB)/4, $0xbd5c1e2d // -0.0537397155531
DATA actConsts<>+160(SB)/4, $0x3e088393 // 0.133314422036
DATA actConsts<>+164(SB)/4, $0x3e088393 // 0.133314422036
DATA actConsts<>+168(SB)/4, $0x3e088393 // 0.133314422036
DATA actConsts<>+172(SB)/4, $0x3e088393 // 0.133314422036
DATA actConsts<>+176(SB)/4, $0x3e088393 // 0.133314422036
DATA actConsts<>+180(SB)/4, $0x3e088393 // 0.133314422036
DATA actConsts<>+184(SB)/4, $0x3e088393 // 0.133314422036
DATA actConsts<>+188(SB)/4, $0x3e088393 // 0.133314422036
DATA actConsts<>+192(SB)/4, $0xbeaaaa99 // -0.333332819422
DATA actConsts<>+196(SB)/4, $0xbeaaaa99 // -0.333332819422
DATA actConsts<>+200(SB)/4, $0xbeaaaa99 // -0.333332819422
DATA actConsts<>+204(SB)/4, $0xbeaaaa99 // -0.333332819422
DATA actConsts<>+208(SB)/4, $0xbeaaaa99 // -0.333332819422
DATA actConsts<>+212(SB)/4, $0xbeaaaa99 // -0.333332819422
DATA actConsts<>+216(SB)/4, $0xbeaaaa99 // -0.333332819422
DATA actConsts<>+220(SB)/4, $0xbeaaaa99 // -0.333332819422
DATA actConsts<>+224(SB)/4, $0x80000000
DATA actConsts<>+228(SB)/4, $0x80000000
DATA actConsts<>+232(SB)/4, $0x80000000
DATA actConsts<>+236(SB)/4, $0x80000000
DATA actConsts<>+240(SB)/4, $0x80000000
DATA actConsts<>+244(SB)/4, $0x80000000
DATA actConsts<>+248(SB)/4, $0x80000000
DATA actConsts<>+252(SB)/4, $0x80000000
GLOBL actConsts<>(SB), RODATA|NOPTR, $256

// func logisticCombineAVX2(dst, x, e *float32, n int)
// dst[i] = 1/(1+e[i]) where x[i] >= 0 (sign bit clear), e[i]/(1+e[i]) where it is set; e[i] =
// exp(-|x[i]|). n is a multiple of 8.
TEXT ·logisticCombineAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ e+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ ldone
	VMOVUPS actConsts<>+0(SB), Y15
lloop:
	VMOVUPS (SI), Y0         // x
	VMOVUPS (DX), Y1         // e
	VADDPS Y15, Y1, Y2       // 1 + e
	VDIVPS Y2, Y15, Y3       // r = 1/(1+e)
	VMULPS Y3, Y1, Y4        // e·r = e/(1+e)
	VBLENDVPS Y0, Y4, Y3, Y3 // sign of x set: e/(1+e)
	VMOVUPS Y3, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ lloop
	VZEROUPPER
ldone:
	RET

// func tanhCombineAVX2(dst, x, s *float32, n int)
// dst[i] = tanh(x[i]) from s[i] = exp(-2|x[i]|): an odd polynomial of x where |x| < 0.625, else
// sign(x)·(1-s)/(1+s). n is a multiple of 8.
TEXT ·tanhCombineAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ s+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ tdone
	VMOVUPS actConsts<>+0(SB), Y15
	VMOVUPS actConsts<>+224(SB), Y14
	VMOVUPS actConsts<>+32(SB), Y13
tloop:
	VMOVUPS (SI), Y0         // x
	VMOVUPS (DX), Y1         // s
	VSUBPS Y1, Y15, Y2       // 1 - s
	VADDPS Y15, Y1, Y3       // 1 + s
	VDIVPS Y3, Y2, Y2        // (1-s)/(1+s)
	VANDPS Y14, Y0, Y4       // sign bit of x
	VORPS Y4, Y2, Y2         // large branch, with the sign of x
	VMULPS Y0, Y0, Y5        // z = x²
	VMOVUPS actConsts<>+64(SB), Y6
	VFMADD213PS actConsts<>+96(SB), Y5, Y6
	VFMADD213PS actConsts<>+128(SB), Y5, Y6
	VFMADD213PS actConsts<>+160(SB), Y5, Y6
	VFMADD213PS actConsts<>+192(SB), Y5, Y6
	VMULPS Y5, Y6, Y6        // P(z)·z
	VFMADD213PS Y0, Y0, Y6   // x·P(z)·z + x
	VANDNPS Y0, Y14, Y7      // |x|
	VCMPPS $1, Y13, Y7, Y8   // |x| < 0.625
	VBLENDVPS Y8, Y6, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ tloop
	VZEROUPPER
tdone:
	RET
