using Cltool.Core.Adapters;
using Cltool.Core.Models;
using Cltool.Core.Weights;
using Onnx;
using static Cltool.Exporter.Onnx.OnnxGraphBuilder;

namespace Cltool.Exporter.Onnx;

/// <summary>
/// A dense ViT (timm layout, a linear head) as an ONNX graph of standard opset-17 operators: Conv patch embedding,
/// class token + position embedding, pre-norm blocks (LayerNormalization eps 1e-6, fused qkv MatMul, Softmax attention,
/// erf GELU), final LayerNormalization, token 0, Gemm head. Input <c>pixel_values</c> [N,3,H,W] with a dynamic batch,
/// output <c>logits</c> [N,classes]. Linear weights are stored as MatMul needs them, [in, out], under their timm names.
/// </summary>
public static class ViTGraph
{

    public static ModelProto Build(ViTConfig config, IReadOnlyDictionary<string, HostTensor> weights, int classes,
                                   IReadOnlyDictionary<string, string> metadata, ViTGraphOptions? options = null)
    {
        options ??= new ViTGraphOptions();
        if (options.FusedAttention && options.Branches is { Count: > 0 })
            throw new ArgumentException("Fused attention takes the qkv weights into one kernel; it needs merged adapters.");
        var floatType = options.Half ? TensorProto.Types.DataType.Float16 : TensorProto.Types.DataType.Float;
        var g = new OnnxGraphBuilder("cltool-vit", floatType);
        g.AddInput(ModelSignature.Input, TensorProto.Types.DataType.Float, "batch", config.Channels, config.ImageSize, config.ImageSize);
        g.AddOutput(ModelSignature.Output, TensorProto.Types.DataType.Float, "batch", classes);
        AddConstants(g, config, options.FusedAttention);

        string pixels = options.Half ? Cast(g, ModelSignature.Input, floatType) : ModelSignature.Input;
        string x = Embed(g, config, weights, pixels);
        var branches = options.Branches ?? [];
        foreach (QkvLowRankBranch branch in branches.Where(b => b.Down.Any(down => down.Shape[1] > 0)))   // not fully absorbed by KD
            g.AddInitializer($"lora.{branch.Index}.magnitude", [branch.Magnitude]);
        for (int block = 0; block < config.Depth; block++) x = Block(g, config, weights, branches, block, x, options.FusedAttention);
        x = LayerNorm(g, weights, "norm", x);
        string token = g.AddNode("Gather", [x, "const.token0"], null, Attribute("axis", 1L));
        Constant(g, weights, "head.weight");
        Constant(g, weights, "head.bias");
        string logits = g.AddNode("Gemm", [token, "head.weight", "head.bias"], options.Half ? null : ModelSignature.Output, Attribute("transB", 1L));
        if (options.Half) g.AddNode("Cast", [logits], ModelSignature.Output, Attribute("to", (long)TensorProto.Types.DataType.Float));
        return g.Build(metadata);
    }

    static void AddConstants(OnnxGraphBuilder g, ViTConfig config, bool fusedAttention)
    {
        long d = config.Dim, heads = config.Heads;
        g.AddInt64Initializer("const.zero", [0], 1);
        g.AddInt64Initializer("const.one", [1], 1);
        g.AddInt64Initializer("const.one_dim", [1, d], 2);
        g.AddInt64Initializer("const.flatten_patches", [0, d, -1], 3);
        if (!fusedAttention)
        {
            g.AddInt64Initializer("const.split_heads", [0, 0, 3, heads, d / heads], 5);
            g.AddInt64Initializer("const.merge_heads", [0, 0, d], 3);
            g.AddInt64Initializer("const.qkv_split", [1, 1, 1], 3);
        }
        g.AddInt64Initializer("const.token0", [0]);
        if (!fusedAttention) g.AddInitializer("const.attention_scale", [1 / MathF.Sqrt(d / heads)]);
        g.AddInitializer("const.half", [0.5f]);
        g.AddInitializer("const.one_float", [1f]);
        g.AddInitializer("const.sqrt2", [MathF.Sqrt(2)]);
    }

    static string Cast(OnnxGraphBuilder g, string x, TensorProto.Types.DataType type) =>
        g.AddNode("Cast", [x], null, Attribute("to", (long)type));

    /// <summary>Patches as tokens, the class token in front (expanded to the batch), plus the position embedding.</summary>
    static string Embed(OnnxGraphBuilder g, ViTConfig config, IReadOnlyDictionary<string, HostTensor> weights, string pixels)
    {
        Constant(g, weights, "patch_embed.proj.weight");
        Constant(g, weights, "patch_embed.proj.bias");
        string conv = g.AddNode("Conv", [pixels, "patch_embed.proj.weight", "patch_embed.proj.bias"], null,
            Attribute("kernel_shape", config.PatchSize, config.PatchSize), Attribute("strides", config.PatchSize, config.PatchSize));
        string patches = g.AddNode("Transpose", [g.AddNode("Reshape", [conv, "const.flatten_patches"])], null, Attribute("perm", 0, 2, 1));
        string batch = g.AddNode("Slice", [g.AddNode("Shape", [patches]), "const.zero", "const.one"]);
        Constant(g, weights, "cls_token");
        string cls = g.AddNode("Expand", ["cls_token", g.AddNode("Concat", [batch, "const.one_dim"], null, Attribute("axis", 0L))]);
        Constant(g, weights, "pos_embed");
        return g.AddNode("Add", [g.AddNode("Concat", [cls, patches], null, Attribute("axis", 1L)), "pos_embed"]);
    }

    static string Block(OnnxGraphBuilder g, ViTConfig config, IReadOnlyDictionary<string, HostTensor> weights, IReadOnlyList<QkvLowRankBranch> branches,
                        int block, string x, bool fusedAttention)
    {
        string prefix = $"blocks.{block}.";
        string normed = LayerNorm(g, weights, prefix + "norm1", x);
        string merged = fusedAttention ? FusedAttention(g, config, weights, prefix, normed) : Attention(g, weights, branches, block, normed);
        x = g.AddNode("Add", [x, Linear(g, weights, prefix + "attn.proj", merged)]);
        string hidden = Gelu(g, Linear(g, weights, prefix + "mlp.fc1", LayerNorm(g, weights, prefix + "norm2", x)));
        return g.AddNode("Add", [x, Linear(g, weights, prefix + "mlp.fc2", hidden)]);
    }

    /// <summary>Multi-head self-attention from standard ops: fused qkv projection (plus any unmerged branches), heads, softmax.</summary>
    static string Attention(OnnxGraphBuilder g, IReadOnlyDictionary<string, HostTensor> weights, IReadOnlyList<QkvLowRankBranch> branches, int block, string normed)
    {
        string prefix = $"blocks.{block}.";
        string qkv = Linear(g, weights, prefix + "attn.qkv", normed);
        foreach (QkvLowRankBranch branch in branches.Where(b => b.Down[block].Shape[1] > 0))
            qkv = g.AddNode("Add", [qkv, LowRank(g, branch, block, prefix, normed)]);
        string heads = g.AddNode("Transpose", [g.AddNode("Reshape", [qkv, "const.split_heads"])], null, Attribute("perm", 2, 0, 3, 1, 4));
        var split = new NodeOutputs(g, "Split", [heads, "const.qkv_split"], 3, Attribute("axis", 0L));
        string Part(int i) => g.AddNode("Squeeze", [split[i], "const.zero"]);
        string q = Part(0), k = Part(1), v = Part(2);
        string scores = g.AddNode("Mul", [g.AddNode("MatMul", [q, g.AddNode("Transpose", [k], null, Attribute("perm", 0, 1, 3, 2))]), "const.attention_scale"]);
        string attended = g.AddNode("MatMul", [g.AddNode("Softmax", [scores], null, Attribute("axis", -1L)), v]);
        return g.AddNode("Reshape", [g.AddNode("Transpose", [attended], null, Attribute("perm", 0, 2, 1, 3)), "const.merge_heads"]);
    }

    /// <summary>com.microsoft.Attention: its weights are timm's qkv weight transposed ([dim, 3·dim], q|k|v column blocks).</summary>
    static string FusedAttention(OnnxGraphBuilder g, ViTConfig config, IReadOnlyDictionary<string, HostTensor> weights, string prefix, string normed)
    {
        string name = LinearWeights(g, weights, prefix + "attn.qkv");
        return g.AddContribNode("Attention", [normed, name + ".weight", name + ".bias"], Attribute("num_heads", (long)config.Heads));
    }

    /// <summary>
    /// magnitude · (x·Down)·Up for one block: the unmerged adapter, computed as the model trained it; with SD-LoRA-KD
    /// offsets in the block, each rank is scaled by its projection's magnitude + offset before the up-projection.
    /// </summary>
    static string LowRank(OnnxGraphBuilder g, QkvLowRankBranch branch, int block, string prefix, string x)
    {
        string name = $"{prefix}attn.qkv.lora.{branch.Index}", magnitude = $"lora.{branch.Index}.magnitude";
        HostTensor down = branch.Down[block], up = branch.Up[block];
        g.AddInitializer(name + ".down", down.Data, down.Shape);
        g.AddInitializer(name + ".up", up.Data, up.Shape);
        string projected = g.AddNode("MatMul", [x, name + ".down"]);
        if (branch.RankOffsets[block] is not { } offsets)
            return g.AddNode("Mul", [g.AddNode("MatMul", [projected, name + ".up"]), magnitude]);
        g.AddInitializer(name + ".offsets", offsets.Data, offsets.Shape);
        string scaled = g.AddNode("Mul", [projected, g.AddNode("Add", [magnitude, name + ".offsets"])]);
        return g.AddNode("MatMul", [scaled, name + ".up"]);
    }

    /// <summary>Exact GELU, 0.5·x·(1 + erf(x/√2)), in the node order ONNX Runtime fuses into one Gelu kernel.</summary>
    static string Gelu(OnnxGraphBuilder g, string x)
    {
        string erf = g.AddNode("Erf", [g.AddNode("Div", [x, "const.sqrt2"])]);
        return g.AddNode("Mul", [g.AddNode("Mul", [x, g.AddNode("Add", [erf, "const.one_float"])]), "const.half"]);
    }

    static string LayerNorm(OnnxGraphBuilder g, IReadOnlyDictionary<string, HostTensor> weights, string name, string x)
    {
        Constant(g, weights, name + ".weight");
        Constant(g, weights, name + ".bias");
        return g.AddNode("LayerNormalization", [x, name + ".weight", name + ".bias"], null,
            Attribute("axis", -1L), Attribute("epsilon", (float)ViTConfig.LayerNormEps));
    }

    /// <summary>x·Wᵀ + b, with W stored transposed ([in, out]) under the layer's weight name.</summary>
    static string Linear(OnnxGraphBuilder g, IReadOnlyDictionary<string, HostTensor> weights, string name, string x)
    {
        LinearWeights(g, weights, name);
        return g.AddNode("Add", [g.AddNode("MatMul", [x, name + ".weight"]), name + ".bias"]);
    }

    /// <summary>Adds a linear layer's weight transposed ([in, out]) and its bias; returns the layer name.</summary>
    static string LinearWeights(OnnxGraphBuilder g, IReadOnlyDictionary<string, HostTensor> weights, string name)
    {
        HostTensor weight = weights[name + ".weight"];
        g.AddInitializer(name + ".weight", Transpose(weight.Data, (int)weight.Shape[0], (int)weight.Shape[1]), weight.Shape[1], weight.Shape[0]);
        Constant(g, weights, name + ".bias");
        return name;
    }

    /// <summary>A row-major [rows, columns] matrix as [columns, rows].</summary>
    public static float[] Transpose(float[] matrix, int rows, int columns)
    {
        var transposed = new float[matrix.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) transposed[c * rows + r] = matrix[r * columns + c];
        return transposed;
    }

    static void Constant(OnnxGraphBuilder g, IReadOnlyDictionary<string, HostTensor> weights, string name) =>
        g.AddInitializer(name, weights[name].Data, weights[name].Shape);

    /// <summary>A node with several outputs (Split), indexed.</summary>
    sealed class NodeOutputs
    {
        readonly string[] _names;
        public NodeOutputs(OnnxGraphBuilder g, string op, string[] inputs, int count, AttributeProto attribute)
        {
            string first = g.AddNode(op, inputs, null, attribute);
            _names = [first, .. Enumerable.Range(1, count - 1).Select(i => $"{first}_{i}")];
            g.AddExtraOutputs(first, _names.Skip(1));
        }
        public string this[int i] => _names[i];
    }
}
