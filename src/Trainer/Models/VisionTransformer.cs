using Cltool.Core.Models;
using Cltool.Core.Weights;
using Cltool.Trainer.Native;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Cltool.Trainer.Models;

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
