//go:build amd64 && !purego

#include "textflag.h"

// expConsts: each float32 constant of exp (see exp.go) repeated 8 times (32 bytes), then the
// int32 exponent bias 127 repeated 8 times.
DATA expConsts<>+0(SB)/4, $0xc2d00000 // -104.0
DATA expConsts<>+4(SB)/4, $0xc2d00000 // -104.0
DATA expConsts<>+8(SB)/4, $0xc2d00000 // -104.0
DATA expConsts<>+12(SB)/4, $0xc2d00000 // -104.0
DATA expConsts<>+16(SB)/4, $0xc2d00000 // -104.0
DATA expConsts<>+20(SB)/4, $0xc2d00000 // -104.0
DATA expConsts<>+24(SB)/4, $0xc2d00000 // -104.0
DATA expConsts<>+28(SB)/4, $0xc2d00000 // -104.0
DATA expConsts<>+32(SB)/4, $0x42b20000 // 89.0
DATA expConsts<>+36(SB)/4, $0x42b20000 // 89.0
DATA expConsts<>+40(SB)/4, $0x42b20000 // 89.0
DATA expConsts<>+44(SB)/4, $0x42b20000 // 89.0
DATA expConsts<>+48(SB)/4, $0x42b20000 // 89.0
DATA expConsts<>+52(SB)/4, $0x42b20000 // 89.0
DATA expConsts<>+56(SB)/4, $0x42b20000 // 89.0
DATA expConsts<>+60(SB)/4, $0x42b20000 // 89.0
DATA expConsts<>+64(SB)/4, $0x3fb8aa3b // 1.4426950408889634
DATA expConsts<>+68(SB)/4, $0x3fb8aa3b // 1.4426950408889634
DATA expConsts<>+72(SB)/4, $0x3fb8aa3b // 1.4426950408889634
DATA expConsts<>+76(SB)/4, $0x3fb8aa3b // 1.4426950408889634
DATA expConsts<>+80(SB)/4, $0x3fb8aa3b // 1.4426950408889634
DATA expConsts<>+84(SB)/4, $0x3fb8aa3b // 1.4426950408889634
DATA expConsts<>+88(SB)/4, $0x3fb8aa3b // 1.4426950408889634
DATA expConsts<>+92(SB)/4, $0x3fb8aa3b // 1.4426950408889634
DATA expConsts<>+96(SB)/4, $0x3f318000 // 0.693359375
DATA expConsts<>+100(SB)/4, $0x3f318000 // 0.693359375
DATA expConsts<>+104(SB)/4, $0x3f318000 // 0.693359375
DATA expConsts<>+108(SB)/4, $0x3f318000 // 0.693359375
DATA expConsts<>+112(SB)/4, $0x3f318000 // 0.693359375
DATA expConsts<>+116(SB)/4, $0x3f318000 // 0.693359375
DATA expConsts<>+120(SB)/4, $0x3f318000 // 0.693359375
DATA expConsts<>+124(SB)/4, $0x3f318000 // 0.693359375
DATA expConsts<>+128(SB)/4, $0xb95e8083 // -0.00021219444
DATA expConsts<>+132(SB)/4, $0xb95e8083 // -0.00021219444
DATA expConsts<>+136(SB)/4, $0xb95e8083 // -0.00021219444
DATA expConsts<>+140(SB)/4, $0xb95e8083 // -0.00021219444
DATA expConsts<>+144(SB)/4, $0xb95e8083 // -0.00021219444
DATA expConsts<>+148(SB)/4, $0xb95e8083 // -0.00021219444
DATA expConsts<>+152(SB)/4, $0xb95e8083 // -0.00021219444
DATA expConsts<>+156(SB)/4, $0xb95e8083 // -0.00021219444
DATA expConsts<>+160(SB)/4, $0x39506967 // 0.000198756915
DATA expConsts<>+164(SB)/4, $0x39506967 // 0.000198756915
DATA expConsts<>+168(SB)/4, $0x39506967 // 0.000198756915
DATA expConsts<>+172(SB)/4, $0x39506967 // 0.000198756915
DATA expConsts<>+176(SB)/4, $0x39506967 // 0.000198756915
DATA expConsts<>+180(SB)/4, $0x39506967 // 0.000198756915
DATA expConsts<>+184(SB)/4, $0x39506967 // 0.000198756915
DATA expConsts<>+188(SB)/4, $0x39506967 // 0.000198756915
DATA expConsts<>+192(SB)/4, $0x3ab743ce // 0.0013981999507
DATA expConsts<>+196(SB)/4, $0x3ab743ce // 0.0013981999507
DATA expConsts<>+200(SB)/4, $0x3ab743ce // 0.0013981999507
DATA expConsts<>+204(SB)/4, $0x3ab743ce // 0.0013981999507
DATA expConsts<>+208(SB)/4, $0x3ab743ce // 0.0013981999507
DATA expConsts<>+212(SB)/4, $0x3ab743ce // 0.0013981999507
DATA expConsts<>+216(SB)/4, $0x3ab743ce // 0.0013981999507
DATA expConsts<>+220(SB)/4, $0x3ab743ce // 0.0013981999507
DATA expConsts<>+224(SB)/4, $0x3c088908 // 0.0083334519073
DATA expConsts<>+228(SB)/4, $0x3c088908 // 0.0083334519073
DATA expConsts<>+232(SB)/4, $0x3c088908 // 0.0083334519073
DATA expConsts<>+236(SB)/4, $0x3c088908 // 0.0083334519073
DATA expConsts<>+240(SB)/4, $0x3c088908 // 0.0083334519073
DATA expConsts<>+244(SB)/4, $0x3c088908 // 0.0083334519073
DATA expConsts<>+248(SB)/4, $0x3c088908 // 0.0083334519073
DATA expConsts<>+252(SB)/4, $0x3c088908 // 0.0083334519073
DATA expConsts<>+256(SB)/4, $0x3d2aa9c1 // 0.041665795894
DATA expConsts<>+260(SB)/4, $0x3d2aa9c1 // 0.041665795894
DATA expConsts<>+264(SB)/4, $0x3d2aa9c1 // 0.041665795894
DATA expConsts<>+268(SB)/4, $0x3d2aa9c1 // 0.041665795894
DATA expConsts<>+272(SB)/4, $0x3d2aa9c1 // 0.041665795894
DATA expConsts<>+276(SB)/4, $0x3d2aa9c1 // 0.041665795894
DATA expConsts<>+280(SB)/4, $0x3d2aa9c1 // 0.041665795894
DATA expConsts<>+284(SB)/4, $0x3d2aa9c1 // 0.041665795894
DATA expConsts<>+288(SB)/4, $0x3e2aaaaa // 0.16666665459
DATA expConsts<>+292(SB)/4, $0x3e2aaaaa // 0.16666665459
DATA expConsts<>+296(SB)/4, $0x3e2aaaaa // 0.16666665459
DATA expConsts<>+300(SB)/4, $0x3e2aaaaa // 0.16666665459
DATA expConsts<>+304(SB)/4, $0x3e2aaaaa // 0.16666665459
DATA expConsts<>+308(SB)/4, $0x3e2aaaaa // 0.16666665459
DATA expConsts<>+312(SB)/4, $0x3e2aaaaa // 0.16666665459
DATA expConsts<>+316(SB)/4, $0x3e2aaaaa // 0.16666665459
DATA expConsts<>+320(SB)/4, $0x3f000000 // 0.50000001201
DATA expConsts<>+324(SB)/4, $0x3f000000 // 0.50000001201
DATA expConsts<>+328(SB)/4, $0x3f000000 // 0.50000001201
DATA expConsts<>+332(SB)/4, $0x3f000000 // 0.50000001201
DATA expConsts<>+336(SB)/4, $0x3f000000 // 0.50000001201
DATA expConsts<>+340(SB)/4, $0x3f000000 // 0.50000001201
DATA expConsts<>+344(SB)/4, $0x3f000000 // 0.50000001201
DATA expConsts<>+348(SB)/4, $0x3f000000 // 0.50000001201
DATA expConsts<>+352(SB)/4, $0x3f800000 // 1.0
DATA expConsts<>+356(SB)/4, $0x3f800000 // 1.0
DATA expConsts<>+360(SB)/4, $0x3f800000 // 1.0
DATA expConsts<>+364(SB)/4, $0x3f800000 // 1.0
DATA expConsts<>+368(SB)/4, $0x3f800000 // 1.0
DATA expConsts<>+372(SB)/4, $0x3f800000 // 1.0
DATA expConsts<>+376(SB)/4, $0x3f800000 // 1.0
DATA expConsts<>+380(SB)/4, $0x3f800000 // 1.0
DATA expConsts<>+384(SB)/4, $127
DATA expConsts<>+388(SB)/4, $127
DATA expConsts<>+392(SB)/4, $127
DATA expConsts<>+396(SB)/4, $127
DATA expConsts<>+400(SB)/4, $127
DATA expConsts<>+404(SB)/4, $127
DATA expConsts<>+408(SB)/4, $127
DATA expConsts<>+412(SB)/4, $127
GLOBL expConsts<>(SB), RODATA|NOPTR, $416

// func expAVX2(dst, src *float32, n int)
// Sets dst[i] = exp(src[i]) for i < n (n a multiple of 8).
TEXT ·expAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ done
	VMOVUPS expConsts<>+0(SB), Y12
	VMOVUPS expConsts<>+32(SB), Y13
	VMOVUPS expConsts<>+64(SB), Y14
	VMOVUPS expConsts<>+384(SB), Y15
loop:
	VMOVUPS (SI), Y6          // x
	VCMPPS $3, Y6, Y6, Y7     // NaN lanes
	VMAXPS Y12, Y6, Y0
	VMINPS Y13, Y0, Y0        // clamp to [-104, 89]: beyond, the result is 0 or +Inf anyway
	VMULPS Y14, Y0, Y1
	VROUNDPS $0, Y1, Y1       // n = round(x·log2(e))
	VFNMADD231PS expConsts<>+96(SB), Y1, Y0 // r = x - n·C1 - n·C2 (C1 + C2 = ln 2)
	VFNMADD231PS expConsts<>+128(SB), Y1, Y0
	VMULPS Y0, Y0, Y3         // r²
	VMOVUPS expConsts<>+160(SB), Y2
	VFMADD213PS expConsts<>+192(SB), Y0, Y2
	VFMADD213PS expConsts<>+224(SB), Y0, Y2
	VFMADD213PS expConsts<>+256(SB), Y0, Y2
	VFMADD213PS expConsts<>+288(SB), Y0, Y2
	VFMADD213PS expConsts<>+320(SB), Y0, Y2
	VFMADD213PS Y0, Y3, Y2    // p·r² + r
	VADDPS expConsts<>+352(SB), Y2, Y2 // + 1
	VCVTPS2DQ Y1, Y1          // n as int32 (exact: n is integral)
	VPSRAD $1, Y1, Y4         // n1 = n >> 1
	VPSUBD Y4, Y1, Y5         // n2 = n - n1
	VPADDD Y15, Y4, Y4
	VPSLLD $23, Y4, Y4        // 2^n1
	VPADDD Y15, Y5, Y5
	VPSLLD $23, Y5, Y5        // 2^n2
	VMULPS Y4, Y2, Y2
	VMULPS Y5, Y2, Y2         // p · 2^n1 · 2^n2: overflows to +Inf, underflows to denormals and 0
	VBLENDVPS Y7, Y6, Y2, Y2  // NaN stays NaN
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET
