package experiments

import (
	"fmt"

	"github.com/behaviorlm/harness/internal/method"
)

// Method kinds of this package.
const (
	KindFinetune   = "finetune"
	KindZeroShot   = "zero-shot"
	KindBehaviorLM = "behaviorlm"
)

// BackboneKindBehaviorLM is the harness's own pretrained transformer backbone.
const BackboneKindBehaviorLM = "behavior-lm"

// Factories returns the method kinds of this package (a fresh map on every call).
func Factories() map[string]method.Factory {
	return map[string]method.Factory{
		KindFinetune: {
			Params: func() any { return DefaultFinetuneParams() },
			New: func(params any, backbones map[string]any) (method.Method, error) {
				p, ok := params.(*FinetuneParams)
				if !ok {
					return nil, fmt.Errorf("finetune: parameters of type %T, want *FinetuneParams", params)
				}
				if err := p.validate(); err != nil {
					return nil, err
				}
				b, err := resolveBackbone(p.Backbone, backbones)
				if err != nil {
					return nil, err
				}
				return &finetune{p: *p, backbone: b}, nil
			},
		},
		KindZeroShot: {
			Params: func() any { return DefaultZeroShotParams() },
			New: func(params any, backbones map[string]any) (method.Method, error) {
				p, ok := params.(*ZeroShotParams)
				if !ok {
					return nil, fmt.Errorf("zero-shot: parameters of type %T, want *ZeroShotParams", params)
				}
				b, err := resolveBackbone(p.Backbone, backbones)
				if err != nil {
					return nil, err
				}
				return &zeroShot{p: *p, backbone: b}, nil
			},
		},
		KindBehaviorLM: {
			Params: func() any { return DefaultBehaviorLMParams() },
			New: func(params any, backbones map[string]any) (method.Method, error) {
				p, ok := params.(*BehaviorLMParams)
				if !ok {
					return nil, fmt.Errorf("behaviorlm: parameters of type %T, want *BehaviorLMParams", params)
				}
				if err := p.validate(); err != nil {
					return nil, err
				}
				b, err := resolveBackbone(p.Backbone, backbones)
				if err != nil {
					return nil, err
				}
				return &behaviorLM{p: *p, backbone: b}, nil
			},
		},
	}
}

// BackboneFactories returns the backbone kinds of this package (a fresh map on every call). A
// backbone kind's parameter struct must implement BackboneSpec.
func BackboneFactories() map[string]method.BackboneFactory {
	return map[string]method.BackboneFactory{
		BackboneKindBehaviorLM: {Params: func() any { return DefaultBehaviorLMBackbone() }},
		BackboneKindHF:         {Params: func() any { return DefaultHFBackbone() }},
	}
}
