namespace Cltool.Core.Weights;

/// <summary>Which naming a weights file uses.</summary>
public enum WeightLayout
{
    /// <summary>timm's VisionTransformer state dict (fused qkv), cltool's own layout.</summary>
    Timm,
    /// <summary>Hugging Face transformers ViTModel / ViTForImageClassification (separate query, key, value).</summary>
    HuggingFace,
}
