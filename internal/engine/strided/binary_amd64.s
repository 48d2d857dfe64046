//go:build amd64 && !purego

#include "textflag.h"

// Elementwise float32 binary ops, 16 values per iteration: dst[i] = x[i] op y[i] (VV), x[i] op y
// (VS, y a scalar) or x op y[i] (SV, x a scalar), for n a multiple of 16. Go operand order:
// "VSUBPS b, a, d" computes d = a - b. Max and Min follow Go's max and min: where an operand is
// NaN the result is x + y (NaN), and where x == y (such as +0 and -0) it is x AND y for Max (+0)
// and x OR y for Min (-0).

// func addVVAVX2(dst, x, y *float32, n int)
TEXT ·addVVAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
loop:
	VMOVUPS 0(SI), Y0
	VMOVUPS 0(DX), Y1
	VADDPS Y1, Y0, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(SI), Y3
	VMOVUPS 32(DX), Y4
	VADDPS Y4, Y3, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func addVSAVX2(dst, x, y *float32, n int)
TEXT ·addVSAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
	VBROADCASTSS (DX), Y14
loop:
	VMOVUPS 0(SI), Y0
	VADDPS Y14, Y0, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(SI), Y3
	VADDPS Y14, Y3, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func addSVAVX2(dst, x, y *float32, n int)
TEXT ·addSVAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
	VBROADCASTSS (SI), Y12
loop:
	VMOVUPS 0(DX), Y1
	VADDPS Y1, Y12, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(DX), Y4
	VADDPS Y4, Y12, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func subVVAVX2(dst, x, y *float32, n int)
TEXT ·subVVAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
loop:
	VMOVUPS 0(SI), Y0
	VMOVUPS 0(DX), Y1
	VSUBPS Y1, Y0, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(SI), Y3
	VMOVUPS 32(DX), Y4
	VSUBPS Y4, Y3, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func subVSAVX2(dst, x, y *float32, n int)
TEXT ·subVSAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
	VBROADCASTSS (DX), Y14
loop:
	VMOVUPS 0(SI), Y0
	VSUBPS Y14, Y0, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(SI), Y3
	VSUBPS Y14, Y3, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func subSVAVX2(dst, x, y *float32, n int)
TEXT ·subSVAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
	VBROADCASTSS (SI), Y12
loop:
	VMOVUPS 0(DX), Y1
	VSUBPS Y1, Y12, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(DX), Y4
	VSUBPS Y4, Y12, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func mulVVAVX2(dst, x, y *float32, n int)
TEXT ·mulVVAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
loop:
	VMOVUPS 0(SI), Y0
	VMOVUPS 0(DX), Y1
	VMULPS Y1, Y0, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(SI), Y3
	VMOVUPS 32(DX), Y4
	VMULPS Y4, Y3, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func mulVSAVX2(dst, x, y *float32, n int)
TEXT ·mulVSAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
	VBROADCASTSS (DX), Y14
loop:
	VMOVUPS 0(SI), Y0
	VMULPS Y14, Y0, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(SI), Y3
	VMULPS Y14, Y3, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func mulSVAVX2(dst, x, y *float32, n int)
TEXT ·mulSVAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
	VBROADCASTSS (SI), Y12
loop:
	VMOVUPS 0(DX), Y1
	VMULPS Y1, Y12, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(DX), Y4
	VMULPS Y4, Y12, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func divVVAVX2(dst, x, y *float32, n int)
TEXT ·divVVAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
loop:
	VMOVUPS 0(SI), Y0
	VMOVUPS 0(DX), Y1
	VDIVPS Y1, Y0, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(SI), Y3
	VMOVUPS 32(DX), Y4
	VDIVPS Y4, Y3, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func divVSAVX2(dst, x, y *float32, n int)
TEXT ·divVSAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
	VBROADCASTSS (DX), Y14
loop:
	VMOVUPS 0(SI), Y0
	VDIVPS Y14, Y0, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(SI), Y3
	VDIVPS Y14, Y3, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func divSVAVX2(dst, x, y *float32, n int)
TEXT ·divSVAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
	VBROADCASTSS (SI), Y12
loop:
	VMOVUPS 0(DX), Y1
	VDIVPS Y1, Y12, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(DX), Y4
	VDIVPS Y4, Y12, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func maxVVAVX2(dst, x, y *float32, n int)
TEXT ·maxVVAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
loop:
	VMOVUPS 0(SI), Y0
	VMOVUPS 0(DX), Y1
	VMAXPS Y1, Y0, Y2
	VCMPPS $3, Y1, Y0, Y8 // NaN in either
	VADDPS Y1, Y0, Y9
	VBLENDVPS Y8, Y9, Y2, Y2
	VCMPPS $0, Y1, Y0, Y10 // equal (e.g. +0 and -0)
	VANDPS Y1, Y0, Y11
	VBLENDVPS Y10, Y11, Y2, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(SI), Y3
	VMOVUPS 32(DX), Y4
	VMAXPS Y4, Y3, Y5
	VCMPPS $3, Y4, Y3, Y8 // NaN in either
	VADDPS Y4, Y3, Y9
	VBLENDVPS Y8, Y9, Y5, Y5
	VCMPPS $0, Y4, Y3, Y10 // equal (e.g. +0 and -0)
	VANDPS Y4, Y3, Y11
	VBLENDVPS Y10, Y11, Y5, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func maxVSAVX2(dst, x, y *float32, n int)
TEXT ·maxVSAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
	VBROADCASTSS (DX), Y14
loop:
	VMOVUPS 0(SI), Y0
	VMAXPS Y14, Y0, Y2
	VCMPPS $3, Y14, Y0, Y8 // NaN in either
	VADDPS Y14, Y0, Y9
	VBLENDVPS Y8, Y9, Y2, Y2
	VCMPPS $0, Y14, Y0, Y10 // equal (e.g. +0 and -0)
	VANDPS Y14, Y0, Y11
	VBLENDVPS Y10, Y11, Y2, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(SI), Y3
	VMAXPS Y14, Y3, Y5
	VCMPPS $3, Y14, Y3, Y8 // NaN in either
	VADDPS Y14, Y3, Y9
	VBLENDVPS Y8, Y9, Y5, Y5
	VCMPPS $0, Y14, Y3, Y10 // equal (e.g. +0 and -0)
	VANDPS Y14, Y3, Y11
	VBLENDVPS Y10, Y11, Y5, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func maxSVAVX2(dst, x, y *float32, n int)
TEXT ·maxSVAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
	VBROADCASTSS (SI), Y12
loop:
	VMOVUPS 0(DX), Y1
	VMAXPS Y1, Y12, Y2
	VCMPPS $3, Y1, Y12, Y8 // NaN in either
	VADDPS Y1, Y12, Y9
	VBLENDVPS Y8, Y9, Y2, Y2
	VCMPPS $0, Y1, Y12, Y10 // equal (e.g. +0 and -0)
	VANDPS Y1, Y12, Y11
	VBLENDVPS Y10, Y11, Y2, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(DX), Y4
	VMAXPS Y4, Y12, Y5
	VCMPPS $3, Y4, Y12, Y8 // NaN in either
	VADDPS Y4, Y12, Y9
	VBLENDVPS Y8, Y9, Y5, Y5
	VCMPPS $0, Y4, Y12, Y10 // equal (e.g. +0 and -0)
	VANDPS Y4, Y12, Y11
	VBLENDVPS Y10, Y11, Y5, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func minVVAVX2(dst, x, y *float32, n int)
TEXT ·minVVAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
loop:
	VMOVUPS 0(SI), Y0
	VMOVUPS 0(DX), Y1
	VMINPS Y1, Y0, Y2
	VCMPPS $3, Y1, Y0, Y8 // NaN in either
	VADDPS Y1, Y0, Y9
	VBLENDVPS Y8, Y9, Y2, Y2
	VCMPPS $0, Y1, Y0, Y10 // equal (e.g. +0 and -0)
	VORPS Y1, Y0, Y11
	VBLENDVPS Y10, Y11, Y2, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(SI), Y3
	VMOVUPS 32(DX), Y4
	VMINPS Y4, Y3, Y5
	VCMPPS $3, Y4, Y3, Y8 // NaN in either
	VADDPS Y4, Y3, Y9
	VBLENDVPS Y8, Y9, Y5, Y5
	VCMPPS $0, Y4, Y3, Y10 // equal (e.g. +0 and -0)
	VORPS Y4, Y3, Y11
	VBLENDVPS Y10, Y11, Y5, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func minVSAVX2(dst, x, y *float32, n int)
TEXT ·minVSAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
	VBROADCASTSS (DX), Y14
loop:
	VMOVUPS 0(SI), Y0
	VMINPS Y14, Y0, Y2
	VCMPPS $3, Y14, Y0, Y8 // NaN in either
	VADDPS Y14, Y0, Y9
	VBLENDVPS Y8, Y9, Y2, Y2
	VCMPPS $0, Y14, Y0, Y10 // equal (e.g. +0 and -0)
	VORPS Y14, Y0, Y11
	VBLENDVPS Y10, Y11, Y2, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(SI), Y3
	VMINPS Y14, Y3, Y5
	VCMPPS $3, Y14, Y3, Y8 // NaN in either
	VADDPS Y14, Y3, Y9
	VBLENDVPS Y8, Y9, Y5, Y5
	VCMPPS $0, Y14, Y3, Y10 // equal (e.g. +0 and -0)
	VORPS Y14, Y3, Y11
	VBLENDVPS Y10, Y11, Y5, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func minSVAVX2(dst, x, y *float32, n int)
TEXT ·minSVAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $4, CX
	JZ done
	VBROADCASTSS (SI), Y12
loop:
	VMOVUPS 0(DX), Y1
	VMINPS Y1, Y12, Y2
	VCMPPS $3, Y1, Y12, Y8 // NaN in either
	VADDPS Y1, Y12, Y9
	VBLENDVPS Y8, Y9, Y2, Y2
	VCMPPS $0, Y1, Y12, Y10 // equal (e.g. +0 and -0)
	VORPS Y1, Y12, Y11
	VBLENDVPS Y10, Y11, Y2, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 32(DX), Y4
	VMINPS Y4, Y12, Y5
	VCMPPS $3, Y4, Y12, Y8 // NaN in either
	VADDPS Y4, Y12, Y9
	VBLENDVPS Y8, Y9, Y5, Y5
	VCMPPS $0, Y4, Y12, Y10 // equal (e.g. +0 and -0)
	VORPS Y4, Y12, Y11
	VBLENDVPS Y10, Y11, Y5, Y5
	VMOVUPS Y5, 32(DI)
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET
