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
    public const string Input = "pixel_values", Output = "logits";

    public static ModelProto Build(ViTConfig config, IReadOnlyDictionary<string, HostTensor> weights, int classes,
                                   IReadOnlyDictionary<string, string> metadata)
    {
        var g = new OnnxGraphBuilder("cltool-vit");
        g.AddInput(Input, TensorProto.Types.DataType.Float, "batch", config.Channels, config.ImageSize, config.ImageSize);
        g.AddOutput(Output, TensorProto.Types.DataType.Float, "batch", classes);
        long d = config.Dim, heads = config.Heads;
        g.AddInt64Initializer("const.zero", [0], 1);
        g.AddInt64Initializer("const.one", [1], 1);
        g.AddInt64Initializer("const.one_dim", [1, d], 2);
        g.AddInt64Initializer("const.flatten_patches", [0, d, -1], 3);
        g.AddInt64Initializer("const.split_heads", [0, 0, 3, heads, d / heads], 5);
        g.AddInt64Initializer("const.merge_heads", [0, 0, d], 3);
        g.AddInt64Initializer("const.qkv_split", [1, 1, 1], 3);
        g.AddInt64Initializer("const.token0", [0]);
        g.AddInitializer("const.attention_scale", [1 / MathF.Sqrt(d / heads)]);
        g.AddInitializer("const.half", [0.5f]);
        g.AddInitializer("const.one_float", [1f]);
        g.AddInitializer("const.inv_sqrt2", [1 / MathF.Sqrt(2)]);

        string x = Embed(g, config, weights);
        for (int block = 0; block < config.Depth; block++) x = Block(g, weights, $"blocks.{block}.", x);
        x = LayerNorm(g, weights, "norm", x);
        string token = g.AddNode("Gather", [x, "const.token0"], null, Attribute("axis", 1L));
        Constant(g, weights, "head.weight");
        Constant(g, weights, "head.bias");
        g.AddNode("Gemm", [token, "head.weight", "head.bias"], Output, Attribute("transB", 1L));
        return g.Build(metadata);
    }

    /// <summary>Patches as tokens, the class token in front (expanded to the batch), plus the position embedding.</summary>
    static string Embed(OnnxGraphBuilder g, ViTConfig config, IReadOnlyDictionary<string, HostTensor> weights)
    {
        Constant(g, weights, "patch_embed.proj.weight");
        Constant(g, weights, "patch_embed.proj.bias");
        string conv = g.AddNode("Conv", [Input, "patch_embed.proj.weight", "patch_embed.proj.bias"], null,
            Attribute("kernel_shape", config.PatchSize, config.PatchSize), Attribute("strides", config.PatchSize, config.PatchSize));
        string patches = g.AddNode("Transpose", [g.AddNode("Reshape", [conv, "const.flatten_patches"])], null, Attribute("perm", 0, 2, 1));
        string batch = g.AddNode("Slice", [g.AddNode("Shape", [patches]), "const.zero", "const.one"]);
        Constant(g, weights, "cls_token");
        string cls = g.AddNode("Expand", ["cls_token", g.AddNode("Concat", [batch, "const.one_dim"], null, Attribute("axis", 0L))]);
        Constant(g, weights, "pos_embed");
        return g.AddNode("Add", [g.AddNode("Concat", [cls, patches], null, Attribute("axis", 1L)), "pos_embed"]);
    }

    static string Block(OnnxGraphBuilder g, IReadOnlyDictionary<string, HostTensor> weights, string prefix, string x)
    {
        string qkv = Linear(g, weights, prefix + "attn.qkv", LayerNorm(g, weights, prefix + "norm1", x));
        string heads = g.AddNode("Transpose", [g.AddNode("Reshape", [qkv, "const.split_heads"])], null, Attribute("perm", 2, 0, 3, 1, 4));
        var split = new NodeOutputs(g, "Split", [heads, "const.qkv_split"], 3, Attribute("axis", 0L));
        string Part(int i) => g.AddNode("Squeeze", [split[i], "const.zero"]);
        string q = Part(0), k = Part(1), v = Part(2);
        string scores = g.AddNode("Mul", [g.AddNode("MatMul", [q, g.AddNode("Transpose", [k], null, Attribute("perm", 0, 1, 3, 2))]), "const.attention_scale"]);
        string attended = g.AddNode("MatMul", [g.AddNode("Softmax", [scores], null, Attribute("axis", -1L)), v]);
        string merged = g.AddNode("Reshape", [g.AddNode("Transpose", [attended], null, Attribute("perm", 0, 2, 1, 3)), "const.merge_heads"]);
        x = g.AddNode("Add", [x, Linear(g, weights, prefix + "attn.proj", merged)]);
        string hidden = Gelu(g, Linear(g, weights, prefix + "mlp.fc1", LayerNorm(g, weights, prefix + "norm2", x)));
        return g.AddNode("Add", [x, Linear(g, weights, prefix + "mlp.fc2", hidden)]);
    }

    /// <summary>Exact GELU: 0.5·x·(1 + erf(x/√2)).</summary>
    static string Gelu(OnnxGraphBuilder g, string x)
    {
        string erf = g.AddNode("Erf", [g.AddNode("Mul", [x, "const.inv_sqrt2"])]);
        return g.AddNode("Mul", [g.AddNode("Mul", [x, "const.half"]), g.AddNode("Add", [erf, "const.one_float"])]);
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
        HostTensor weight = weights[name + ".weight"];
        long outputs = weight.Shape[0], inputs = weight.Shape[1];
        var transposed = new float[weight.Data.Length];
        for (long o = 0; o < outputs; o++)
            for (long i = 0; i < inputs; i++) transposed[i * outputs + o] = weight.Data[o * inputs + i];
        g.AddInitializer(name + ".weight", transposed, inputs, outputs);
        Constant(g, weights, name + ".bias");
        return g.AddNode("Add", [g.AddNode("MatMul", [x, name + ".weight"]), name + ".bias"]);
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
