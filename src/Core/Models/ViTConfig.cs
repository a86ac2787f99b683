using Cltool.Core.Errors;

namespace Cltool.Core.Models;

/// <summary>
/// The shape of a timm-style Vision Transformer: patch embedding, class token then learned position embedding,
/// <see cref="Depth"/> pre-norm blocks with fused qkv, final LayerNorm, linear head on the class token.
/// <see cref="Classes"/> = 0 means no head (a backbone, as timm's <c>num_classes=0</c>).
/// </summary>
public sealed record ViTConfig(int ImageSize, int PatchSize, int Channels, int Dim, int Depth, int Heads, double MlpRatio, int Classes)
{
    public const double LayerNormEps = 1e-6;

    public int GridSize => ImageSize / PatchSize;
    public int PatchCount => GridSize * GridSize;
    /// <summary>Sequence length: the class token plus one token per patch.</summary>
    public int Tokens => PatchCount + 1;
    public int HeadDim => Dim / Heads;
    public int MlpHidden => (int)(Dim * MlpRatio);

    public static readonly IReadOnlyDictionary<string, ViTConfig> Presets = new Dictionary<string, ViTConfig>
    {
        ["vit-base-patch16-224"] = new(224, 16, 3, 768, 12, 12, 4.0, 1000),
        ["vit-small-patch16-224"] = new(224, 16, 3, 384, 12, 6, 4.0, 1000),
        ["vit-tiny-patch16-224"] = new(224, 16, 3, 192, 12, 3, 4.0, 1000),
        // Small presets that train on two CPU cores: 7x7 or 8x8 patches of 4 pixels.
        ["vit-cpu-28"] = new(28, 4, 3, 192, 6, 3, 4.0, 0),
        ["vit-cpu-32"] = new(32, 4, 3, 192, 6, 3, 4.0, 0),
        // Just big enough to exercise every code path in tests.
        ["vit-test-16"] = new(16, 4, 3, 32, 2, 2, 2.0, 0),
    };

    public static ViTConfig Preset(string name) =>
        Presets.TryGetValue(name, out ViTConfig? config)
            ? config
            : throw new CltoolException($"Unknown model preset '{name}'; expected one of: {string.Join(", ", Presets.Keys)}.");

    public ViTConfig WithClasses(int classes) => this with { Classes = classes };

    /// <summary>Throws one clear error naming the first inconsistent field.</summary>
    public ViTConfig Validate()
    {
        Require(ImageSize > 0 && PatchSize > 0 && Channels > 0 && Dim > 0 && Depth > 0 && Heads > 0 && Classes >= 0,
            $"all sizes must be positive (classes may be 0), got image {ImageSize}, patch {PatchSize}, channels {Channels}, dim {Dim}, depth {Depth}, heads {Heads}, classes {Classes}");
        Require(ImageSize % PatchSize == 0, $"image size {ImageSize} is not a multiple of patch size {PatchSize}");
        Require(Dim % Heads == 0, $"dim {Dim} is not divisible by {Heads} heads");
        Require(MlpRatio > 0 && Math.Abs(Dim * MlpRatio - MlpHidden) < 1e-9, $"dim {Dim} x mlp ratio {MlpRatio} is not a whole number");
        return this;
    }

    /// <summary>Every parameter in timm's order and names, with its shape ([out, in] for Linear weights).</summary>
    public IEnumerable<(string Name, long[] Shape)> ExpectedTensors()
    {
        yield return ("cls_token", [1, 1, Dim]);
        yield return ("pos_embed", [1, Tokens, Dim]);
        yield return ("patch_embed.proj.weight", [Dim, Channels, PatchSize, PatchSize]);
        yield return ("patch_embed.proj.bias", [Dim]);
        for (int block = 0; block < Depth; block++)
        {
            string prefix = $"blocks.{block}.";
            yield return (prefix + "norm1.weight", [Dim]);
            yield return (prefix + "norm1.bias", [Dim]);
            yield return (prefix + "attn.qkv.weight", [3 * Dim, Dim]);
            yield return (prefix + "attn.qkv.bias", [3 * Dim]);
            yield return (prefix + "attn.proj.weight", [Dim, Dim]);
            yield return (prefix + "attn.proj.bias", [Dim]);
            yield return (prefix + "norm2.weight", [Dim]);
            yield return (prefix + "norm2.bias", [Dim]);
            yield return (prefix + "mlp.fc1.weight", [MlpHidden, Dim]);
            yield return (prefix + "mlp.fc1.bias", [MlpHidden]);
            yield return (prefix + "mlp.fc2.weight", [Dim, MlpHidden]);
            yield return (prefix + "mlp.fc2.bias", [Dim]);
        }
        yield return ("norm.weight", [Dim]);
        yield return ("norm.bias", [Dim]);
        if (Classes > 0)
        {
            yield return ("head.weight", [Classes, Dim]);
            yield return ("head.bias", [Classes]);
        }
    }

    /// <summary>The architecture in words, for error messages.</summary>
    public string Describe() => $"ViT with image {ImageSize}, patch {PatchSize}, dim {Dim}, depth {Depth}, {Heads} heads";

    public long ParameterCount() => ExpectedTensors().Sum(tensor => tensor.Shape.Aggregate(1L, (a, b) => a * b));

    static void Require(bool condition, string message)
    {
        if (!condition) throw new CltoolException($"Invalid ViT configuration: {message}.");
    }
}
