using Cltool.Core.Models;
using Cltool.Core.Weights;
using Cltool.Trainer.Native;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Cltool.Trainer.Models;

// Field names are the state-dict keys and follow timm's vision_transformer.py exactly; they are public
// contract (checkpoints, ONNX initializer names), hence the snake_case.
#pragma warning disable IDE1006

/// <summary>Adds a low-rank update to a block's fused qkv projection; SD-LoRA and its relatives implement it.</summary>
public interface IQkvAdapter
{
    /// <summary>The fused qkv weight block <paramref name="block"/> multiplies by: the base weight, or the base with part of the adapter folded in.</summary>
    Tensor QkvWeight(int block, Tensor weight) => weight;

    /// <summary>Returns <paramref name="qkv"/> plus the adapter's delta for input <paramref name="x"/> of block <paramref name="block"/>.</summary>
    Tensor Apply(int block, Tensor x, Tensor qkv);
}

/// <summary>timm's Attention: fused qkv projection (rows q|k|v, heads contiguous), scaled dot-product, output projection.</summary>
public sealed class Attention : Module<Tensor, Tensor>
{
    readonly Linear qkv;
    readonly Linear proj;
    readonly int _heads;
    readonly int _block;

    public IQkvAdapter? Adapter { get; set; }

    public Attention(int block, int dim, int heads) : base("Attention")
    {
        _block = block;
        _heads = heads;
        qkv = Linear(dim, 3 * dim, hasBias: true);
        proj = Linear(dim, dim, hasBias: true);
        RegisterComponents();
    }

    public Linear Qkv => qkv;

    public override Tensor forward(Tensor x)
    {
        long batch = x.shape[0], tokens = x.shape[1], dim = x.shape[2];
        Tensor fused = Adapter is null ? qkv.forward(x) : Adapter.Apply(_block, x, functional.linear(x, Adapter.QkvWeight(_block, qkv.weight!), qkv.bias));
        Tensor split = fused.reshape(batch, tokens, 3, _heads, dim / _heads).permute(2, 0, 3, 1, 4);
        Tensor attended = functional.scaled_dot_product_attention(split[0], split[1], split[2]);
        return proj.forward(attended.transpose(1, 2).reshape(batch, tokens, dim));
    }
}

/// <summary>timm's Mlp: fc1, exact (erf) GELU, fc2.</summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    readonly Linear fc1;
    readonly Linear fc2;

    public Mlp(int dim, int hidden) : base("Mlp")
    {
        fc1 = Linear(dim, hidden);
        fc2 = Linear(hidden, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc2.forward(functional.gelu(fc1.forward(x)));
}

/// <summary>A pre-norm transformer block: x + attn(norm1(x)), then x + mlp(norm2(x)).</summary>
public sealed class Block : Module<Tensor, Tensor>
{
    readonly LayerNorm norm1;
    readonly Attention attn;
    readonly LayerNorm norm2;
    readonly Mlp mlp;

    public Block(int index, ViTConfig config) : base("Block")
    {
        norm1 = LayerNorm(config.Dim, eps: ViTConfig.LayerNormEps);
        attn = new Attention(index, config.Dim, config.Heads);
        norm2 = LayerNorm(config.Dim, eps: ViTConfig.LayerNormEps);
        mlp = new Mlp(config.Dim, config.MlpHidden);
        RegisterComponents();
    }

    public Attention Attention => attn;

    public override Tensor forward(Tensor x)
    {
        Tensor h = x.add(DisposeScopes.Keeping(() => attn.forward(norm1.forward(x))), Scalars.One);
        return h.add(DisposeScopes.Keeping(() => mlp.forward(norm2.forward(h))), Scalars.One);
    }
}

/// <summary>timm's patch embedding: a strided convolution, then tokens in row-major patch order.</summary>
public sealed class PatchEmbed : Module<Tensor, Tensor>
{
    readonly Conv2d proj;

    public PatchEmbed(ViTConfig config) : base("PatchEmbed")
    {
        proj = Conv2d(config.Channels, config.Dim, config.PatchSize, stride: config.PatchSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor images) => proj.forward(images).flatten(2).transpose(1, 2);
}

/// <summary>
/// timm's VisionTransformer with token pooling: class token first, learned position embedding over all tokens,
/// pre-norm blocks, final LayerNorm, head on token 0 (absent when <see cref="ViTConfig.Classes"/> is 0).
/// </summary>
public sealed class VisionTransformer : Module<Tensor, Tensor>
{
    readonly Parameter cls_token;
    readonly Parameter pos_embed;
    readonly PatchEmbed patch_embed;
    readonly ModuleList<Block> blocks;
    readonly LayerNorm norm;
    readonly Linear? head;

    public ViTConfig Config { get; }

    /// <summary>Builds a ViT initialised as timm does (truncated normal 0.02 for Linear and the position embedding).</summary>
    public VisionTransformer(ViTConfig config) : base("VisionTransformer")
    {
        Config = config.Validate();
        cls_token = Parameter(zeros(1, 1, config.Dim));
        pos_embed = Parameter(zeros(1, config.Tokens, config.Dim));
        patch_embed = new PatchEmbed(config);
        blocks = new ModuleList<Block>(Enumerable.Range(0, config.Depth).Select(i => new Block(i, config)).ToArray());
        norm = LayerNorm(config.Dim, eps: ViTConfig.LayerNormEps);
        if (config.Classes > 0) head = Linear(config.Dim, config.Classes);
        RegisterComponents();
        InitialiseLikeTimm();
    }

    public IReadOnlyList<Block> Blocks => blocks.ToList();

    /// <summary>The normalised class-token feature, [batch, dim].</summary>
    public Tensor ForwardFeatures(Tensor images)
    {
        Tensor tokens = patch_embed.forward(images);
        Tensor cls = cls_token.expand(tokens.shape[0], -1, -1);
        Tensor x = cat([cls, tokens], 1).add(pos_embed, Scalars.One);
        foreach (Block block in blocks) x = DisposeScopes.Keeping(() => block.forward(x));
        return norm.forward(x)[.., 0];
    }

    public override Tensor forward(Tensor images)
    {
        Tensor features = ForwardFeatures(images);
        return head is null ? features : head.forward(features);
    }

    /// <summary>Copies weights in timm names into the module, resampling the position embedding when its grid differs.</summary>
    public void LoadWeights(IReadOnlyDictionary<string, HostTensor> weights)
    {
        using var _ = no_grad();
        foreach ((string name, Tensor parameter) in state_dict())
        {
            if (!weights.TryGetValue(name, out HostTensor? source))
                throw new Core.Errors.CltoolException($"Weights are missing '{name}'.");
            using Tensor value = tensor(source.Data, source.Shape);
            using Tensor fitted = name == "pos_embed" ? PositionEmbedding.Resample(value, Config.GridSize) : value.alias();
            if (!fitted.shape.SequenceEqual(parameter.shape))
                throw new Core.Errors.CltoolException($"Tensor '{name}' has shape [{string.Join(", ", fitted.shape)}], " +
                                                      $"the model expects [{string.Join(", ", parameter.shape)}].");
            parameter.copy_(fitted);
        }
    }

    /// <summary>The weights in timm names and order, copied to host memory.</summary>
    public Dictionary<string, HostTensor> ExportWeights() =>
        state_dict().ToDictionary(pair => pair.Key, pair => HostTensors.From(pair.Value));

    void InitialiseLikeTimm()
    {
        using var _ = no_grad();
        Initialisation.TruncatedNormal_(pos_embed, std: 0.02);
        init.normal_(cls_token, std: 1e-6);
        foreach ((string _, Module module) in named_modules())
        {
            if (module is not Linear linear) continue;
            Initialisation.TruncatedNormal_(linear.weight, std: 0.02);
            if (linear.bias is not null) init.zeros_(linear.bias);
        }
    }
}

/// <summary>Position-embedding resampling as timm's resample_abs_pos_embed: bicubic with antialias, class token kept.</summary>
public static class PositionEmbedding
{
    public static Tensor Resample(Tensor posEmbed, int targetGrid)
    {
        long tokens = posEmbed.shape[1], dim = posEmbed.shape[2];
        int sourceGrid = ViTWeights.PositionGrid(tokens)
            ?? throw new Core.Errors.CltoolException($"A position embedding of {tokens} tokens is not a class token plus a square grid.");
        if (sourceGrid == targetGrid) return posEmbed.alias();
        using var scope = NewDisposeScope();
        Tensor classToken = posEmbed[.., ..1];
        Tensor grid = posEmbed[.., 1..].reshape(1, sourceGrid, sourceGrid, dim).permute(0, 3, 1, 2);
        Tensor resized = functional.interpolate(grid, [targetGrid, targetGrid], mode: InterpolationMode.Bicubic,
            align_corners: false, antialias: true);
        Tensor tokensOut = resized.permute(0, 2, 3, 1).reshape(1, targetGrid * targetGrid, dim);
        return cat([classToken, tokensOut], 1).MoveToOuterDisposeScope();
    }
}
