package experiments

import (
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
		KindFinetune:   method.Kind(DefaultFinetuneParams),
		KindZeroShot:   method.Kind(DefaultZeroShotParams),
		KindBehaviorLM: method.Kind(DefaultBehaviorLMParams),
	}
}

// Build implements method.Params.
func (p *FinetuneParams) Build(backbones map[string]any) (method.Method, error) {
	b, err := p.resolve(p.validate, backbones)
	if err != nil {
		return nil, err
	}
	return &finetune{p: *p, backbone: b}, nil
}

// Build implements method.Params.
func (p *ZeroShotParams) Build(backbones map[string]any) (method.Method, error) {
	b, err := resolveBackbone(p.Backbone, backbones)
	if err != nil {
		return nil, err
	}
	return &zeroShot{p: *p, backbone: b}, nil
}

// Build implements method.Params.
func (p *BehaviorLMParams) Build(backbones map[string]any) (method.Method, error) {
	b, err := p.resolve(p.validate, backbones)
	if err != nil {
		return nil, err
	}
	return &behaviorLM{p: *p, backbone: b}, nil
}

// resolve validates the method's parameters and returns its backbone.
func (p ModelParams) resolve(validate func() error, backbones map[string]any) (Backbone, error) {
	if err := validate(); err != nil {
		return nil, err
	}
	return resolveBackbone(p.Backbone, backbones)
}

// BackboneNames implements method.BackboneUser.
func (p ModelParams) BackboneNames() []string { return []string{p.Backbone} }

// BackboneNames implements method.BackboneUser.
func (p ZeroShotParams) BackboneNames() []string { return []string{p.Backbone} }

// BackboneFactories returns the backbone kinds of this package (a fresh map on every call). A
// backbone kind's parameter struct must implement BackboneSpec.
func BackboneFactories() map[string]method.BackboneFactory {
	return map[string]method.BackboneFactory{
		BackboneKindBehaviorLM: {Params: func() any { return DefaultBehaviorLMBackbone() }},
		BackboneKindHF:         {Params: func() any { return DefaultHFBackbone() }},
	}
}
