using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Cltool.Exporter.Onnx;

/// <summary>
/// Dynamic int8 quantisation of a float ONNX ViT in standard operators: every MatMul with a constant [in, out] weight
/// becomes DynamicQuantizeLinear(x) → MatMulInteger(x_q, W_q, x_zero) → Cast → × (x_scale · w_scale), the weights
/// quantised symmetrically per output channel (w_scale[j] = max_i |W_ij| / 127, zero point 0). ONNX Runtime fuses that
/// chain into its int8 kernels (DynamicQuantizeMatMul: VNNI on CPUs that have it), and any other ONNX runtime can still
/// run it. Everything else stays float: the patch embedding (Conv), LayerNorm, softmax, the attention products of two
/// activations, and the head (Gemm).
/// </summary>
public static class Int8Quantization
{
    public static ModelProto Apply(ModelProto model) => Apply(model, _ => true);

    /// <summary>Quantises the MatMuls whose weight name <paramref name="quantise"/> accepts.</summary>
    public static ModelProto Apply(ModelProto model, Func<string, bool> quantise)
    {
        ModelProto quantised = model.Clone();
        GraphProto graph = quantised.Graph;
        Dictionary<string, TensorProto> initializers = graph.Initializer.ToDictionary(t => t.Name);
        var nodes = new List<NodeProto>();
        foreach (NodeProto node in graph.Node)
        {
            if (node.OpType == "MatMul" && node.Domain.Length == 0 && initializers.TryGetValue(node.Input[1], out TensorProto? weight)
                && weight.Dims.Count == 2 && weight.DataType == (int)TensorProto.Types.DataType.Float && quantise(weight.Name))
            {
                nodes.AddRange(Quantised(node, weight, graph));
                graph.Initializer.Remove(weight);
            }
            else nodes.Add(node);
        }
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        return quantised;
    }

    /// <summary>The five nodes that replace one MatMul; the weight's int8 values and scales become new initializers.</summary>
    static IEnumerable<NodeProto> Quantised(NodeProto matmul, TensorProto weight, GraphProto graph)
    {
        (sbyte[] values, float[] scales) = PerColumn(MemoryMarshal.Cast<byte, float>(weight.RawData.Span), (int)weight.Dims[0], (int)weight.Dims[1]);
        string name = weight.Name, prefix = matmul.Name;
        var int8 = new TensorProto { Name = name + ".int8", DataType = (int)TensorProto.Types.DataType.Int8, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        int8.Dims.AddRange(weight.Dims);
        var scale = new TensorProto { Name = name + ".scale", DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(scales.AsSpan())) };
        scale.Dims.Add(weight.Dims[1]);
        graph.Initializer.Add(int8);
        graph.Initializer.Add(scale);

        string x = matmul.Input[0], xq = prefix + ".x_int8", xs = prefix + ".x_scale", xz = prefix + ".x_zero";
        yield return Node("DynamicQuantizeLinear", prefix + ".quantize", [x], [xq, xs, xz]);
        yield return Node("MatMulInteger", prefix + ".int8", [xq, int8.Name, xz], [prefix + ".int32"]);
        NodeProto cast = Node("Cast", prefix + ".float", [prefix + ".int32"], [prefix + ".float_out"]);
        cast.Attribute.Add(OnnxGraphBuilder.Attribute("to", (long)TensorProto.Types.DataType.Float));
        yield return cast;
        yield return Node("Mul", prefix + ".scales", [xs, scale.Name], [prefix + ".scale"]);
        yield return Node("Mul", prefix + ".dequantize", [prefix + ".float_out", prefix + ".scale"], [matmul.Output[0]]);
    }

    /// <summary>Symmetric per-column int8 of a row-major [rows, columns] matrix: values in [-127, 127] and each column's scale.</summary>
    public static (sbyte[] Values, float[] Scales) PerColumn(ReadOnlySpan<float> matrix, int rows, int columns)
    {
        var scales = new float[columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) scales[j] = Math.Max(scales[j], Math.Abs(matrix[i * columns + j]));
        for (int j = 0; j < columns; j++) scales[j] = scales[j] > 0 ? scales[j] / 127 : 1;
        var values = new sbyte[rows * columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
                values[i * columns + j] = (sbyte)Math.Clamp(MathF.Round(matrix[i * columns + j] / scales[j], MidpointRounding.ToEven), -127, 127);
        return (values, scales);
    }

    static NodeProto Node(string opType, string name, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }
}
