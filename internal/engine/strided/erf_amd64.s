//go:build amd64 && !purego

#include "textflag.h"

// erfConsts: each constant of the rational approximation (see erf.go) repeated 4 times, 32 bytes.
DATA erfConsts<>+0(SB)/8, $-2.72614225801306e-10
DATA erfConsts<>+8(SB)/8, $-2.72614225801306e-10
DATA erfConsts<>+16(SB)/8, $-2.72614225801306e-10
DATA erfConsts<>+24(SB)/8, $-2.72614225801306e-10
DATA erfConsts<>+32(SB)/8, $2.77068142495902e-08
DATA erfConsts<>+40(SB)/8, $2.77068142495902e-08
DATA erfConsts<>+48(SB)/8, $2.77068142495902e-08
DATA erfConsts<>+56(SB)/8, $2.77068142495902e-08
DATA erfConsts<>+64(SB)/8, $-2.10102402082508e-06
DATA erfConsts<>+72(SB)/8, $-2.10102402082508e-06
DATA erfConsts<>+80(SB)/8, $-2.10102402082508e-06
DATA erfConsts<>+88(SB)/8, $-2.10102402082508e-06
DATA erfConsts<>+96(SB)/8, $-5.69250639462346e-05
DATA erfConsts<>+104(SB)/8, $-5.69250639462346e-05
DATA erfConsts<>+112(SB)/8, $-5.69250639462346e-05
DATA erfConsts<>+120(SB)/8, $-5.69250639462346e-05
DATA erfConsts<>+128(SB)/8, $-0.000734990630326855
DATA erfConsts<>+136(SB)/8, $-0.000734990630326855
DATA erfConsts<>+144(SB)/8, $-0.000734990630326855
DATA erfConsts<>+152(SB)/8, $-0.000734990630326855
DATA erfConsts<>+160(SB)/8, $-0.00295459980854025
DATA erfConsts<>+168(SB)/8, $-0.00295459980854025
DATA erfConsts<>+176(SB)/8, $-0.00295459980854025
DATA erfConsts<>+184(SB)/8, $-0.00295459980854025
DATA erfConsts<>+192(SB)/8, $-0.0160960333262415
DATA erfConsts<>+200(SB)/8, $-0.0160960333262415
DATA erfConsts<>+208(SB)/8, $-0.0160960333262415
DATA erfConsts<>+216(SB)/8, $-0.0160960333262415
DATA erfConsts<>+224(SB)/8, $-1.45660718464996e-05
DATA erfConsts<>+232(SB)/8, $-1.45660718464996e-05
DATA erfConsts<>+240(SB)/8, $-1.45660718464996e-05
DATA erfConsts<>+248(SB)/8, $-1.45660718464996e-05
DATA erfConsts<>+256(SB)/8, $-0.000213374055278905
DATA erfConsts<>+264(SB)/8, $-0.000213374055278905
DATA erfConsts<>+272(SB)/8, $-0.000213374055278905
DATA erfConsts<>+280(SB)/8, $-0.000213374055278905
DATA erfConsts<>+288(SB)/8, $-0.00168282697438203
DATA erfConsts<>+296(SB)/8, $-0.00168282697438203
DATA erfConsts<>+304(SB)/8, $-0.00168282697438203
DATA erfConsts<>+312(SB)/8, $-0.00168282697438203
DATA erfConsts<>+320(SB)/8, $-0.00737332916720468
DATA erfConsts<>+328(SB)/8, $-0.00737332916720468
DATA erfConsts<>+336(SB)/8, $-0.00737332916720468
DATA erfConsts<>+344(SB)/8, $-0.00737332916720468
DATA erfConsts<>+352(SB)/8, $-0.0142647390514189
DATA erfConsts<>+360(SB)/8, $-0.0142647390514189
DATA erfConsts<>+368(SB)/8, $-0.0142647390514189
DATA erfConsts<>+376(SB)/8, $-0.0142647390514189
DATA erfConsts<>+384(SB)/8, $4.0
DATA erfConsts<>+392(SB)/8, $4.0
DATA erfConsts<>+400(SB)/8, $4.0
DATA erfConsts<>+408(SB)/8, $4.0
DATA erfConsts<>+416(SB)/8, $-4.0
DATA erfConsts<>+424(SB)/8, $-4.0
DATA erfConsts<>+432(SB)/8, $-4.0
DATA erfConsts<>+440(SB)/8, $-4.0
DATA erfConsts<>+448(SB)/8, $1.0
DATA erfConsts<>+456(SB)/8, $1.0
DATA erfConsts<>+464(SB)/8, $1.0
DATA erfConsts<>+472(SB)/8, $1.0
DATA erfConsts<>+480(SB)/8, $-1.0
DATA erfConsts<>+488(SB)/8, $-1.0
DATA erfConsts<>+496(SB)/8, $-1.0
DATA erfConsts<>+504(SB)/8, $-1.0
GLOBL erfConsts<>(SB), RODATA|NOPTR, $512

// func erfAVX2(dst, src *float32, n int)
// Sets dst[i] = erf(src[i]) for i < n (n a multiple of 4), evaluating in float64.
TEXT ·erfAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $2, CX
	JZ done
	VMOVUPD erfConsts<>+384(SB), Y8
	VMOVUPD erfConsts<>+416(SB), Y9
	VMOVUPD erfConsts<>+448(SB), Y10
	VMOVUPD erfConsts<>+480(SB), Y11
loop:
	VCVTPS2PD (SI), Y6        // x
	VCMPPD $3, Y6, Y6, Y7     // NaN lanes
	VMINPD Y8, Y6, Y0
	VMAXPD Y9, Y0, Y0         // clamp to [-4, 4]
	VMULPD Y0, Y0, Y1         // x²
	VMOVUPD erfConsts<>+0(SB), Y2
	VFMADD213PD erfConsts<>+32(SB), Y1, Y2
	VFMADD213PD erfConsts<>+64(SB), Y1, Y2
	VFMADD213PD erfConsts<>+96(SB), Y1, Y2
	VFMADD213PD erfConsts<>+128(SB), Y1, Y2
	VFMADD213PD erfConsts<>+160(SB), Y1, Y2
	VFMADD213PD erfConsts<>+192(SB), Y1, Y2
	VMULPD Y0, Y2, Y2         // p = x·P(x²)
	VMOVUPD erfConsts<>+224(SB), Y3
	VFMADD213PD erfConsts<>+256(SB), Y1, Y3
	VFMADD213PD erfConsts<>+288(SB), Y1, Y3
	VFMADD213PD erfConsts<>+320(SB), Y1, Y3
	VFMADD213PD erfConsts<>+352(SB), Y1, Y3
	VDIVPD Y3, Y2, Y2         // p / Q(x²)
	VMINPD Y10, Y2, Y2
	VMAXPD Y11, Y2, Y2        // clamp to [-1, 1]
	VBLENDVPD Y7, Y6, Y2, Y2  // NaN stays NaN
	VCVTPD2PSY Y2, X2
	VMOVUPS X2, (DI)
	ADDQ $16, SI
	ADDQ $16, DI
	DECQ CX
	JNZ loop
	VZEROUPPER
done:
	RET

// func erfAVX512(dst, src *float32, n int)
// Sets dst[i] = erf(src[i]) for i < n (n a multiple of 8): erfAVX2's operations on 8 float64
// lanes instead of 4, so the results are bit-identical to it.
TEXT ·erfAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ zdone
	VBROADCASTSD erfConsts<>+384(SB), Z8
	VBROADCASTSD erfConsts<>+416(SB), Z9
	VBROADCASTSD erfConsts<>+448(SB), Z10
	VBROADCASTSD erfConsts<>+480(SB), Z11
	VBROADCASTSD erfConsts<>+0(SB), Z12
	VBROADCASTSD erfConsts<>+32(SB), Z13
	VBROADCASTSD erfConsts<>+64(SB), Z14
	VBROADCASTSD erfConsts<>+96(SB), Z15
	VBROADCASTSD erfConsts<>+128(SB), Z16
	VBROADCASTSD erfConsts<>+160(SB), Z17
	VBROADCASTSD erfConsts<>+192(SB), Z18
	VBROADCASTSD erfConsts<>+224(SB), Z19
	VBROADCASTSD erfConsts<>+256(SB), Z20
	VBROADCASTSD erfConsts<>+288(SB), Z21
	VBROADCASTSD erfConsts<>+320(SB), Z22
	VBROADCASTSD erfConsts<>+352(SB), Z23
zloop:
	VCVTPS2PD (SI), Z6        // x
	VCMPPD $3, Z6, Z6, K1     // NaN lanes
	VMINPD Z8, Z6, Z0
	VMAXPD Z9, Z0, Z0         // clamp to [-4, 4]
	VMULPD Z0, Z0, Z1         // x²
	VMOVAPD Z12, Z2
	VFMADD213PD Z13, Z1, Z2
	VFMADD213PD Z14, Z1, Z2
	VFMADD213PD Z15, Z1, Z2
	VFMADD213PD Z16, Z1, Z2
	VFMADD213PD Z17, Z1, Z2
	VFMADD213PD Z18, Z1, Z2
	VMULPD Z0, Z2, Z2         // p = x·P(x²)
	VMOVAPD Z19, Z3
	VFMADD213PD Z20, Z1, Z3
	VFMADD213PD Z21, Z1, Z3
	VFMADD213PD Z22, Z1, Z3
	VFMADD213PD Z23, Z1, Z3
	VDIVPD Z3, Z2, Z2         // p / Q(x²)
	VMINPD Z10, Z2, Z2
	VMAXPD Z11, Z2, Z2        // clamp to [-1, 1]
	VMOVAPD Z6, K1, Z2        // NaN stays NaN
	VCVTPD2PS Z2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ zloop
	VZEROUPPER
zdone:
	RET
