using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Cltool.Exporter.Onnx;

/// <summary>
/// Builds an ONNX graph node by node with the protobuf types, because TorchSharp cannot export ONNX.
/// Float tensors are stored as little-endian raw data; a dimension given as a string is symbolic (dynamic).
/// </summary>
public sealed class OnnxGraphBuilder(string graphName, TensorProto.Types.DataType weightType = TensorProto.Types.DataType.Float)
{
    readonly GraphProto _graph = new() { Name = graphName };
    int _nodeCount;
    bool _usesContribOps;

    /// <summary>The element type of every float initializer: Float, or Float16 for a half-precision model.</summary>
    public TensorProto.Types.DataType WeightType { get; } = weightType is TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Float16
        ? weightType : throw new ArgumentException($"Weights can be Float or Float16, not {weightType}.");

    public void AddInput(string name, TensorProto.Types.DataType type, params object[] dims) =>
        _graph.Input.Add(ValueInfo(name, type, dims));

    public void AddOutput(string name, TensorProto.Types.DataType type, params object[] dims) =>
        _graph.Output.Add(ValueInfo(name, type, dims));

    /// <summary>Adds a float constant stored as <see cref="WeightType"/>; <paramref name="values"/> are in row-major order.</summary>
    public string AddInitializer(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        long expected = dims.Aggregate(1L, (product, dim) => product * dim);
        if (expected != values.Length)
            throw new ArgumentException($"Initializer '{name}' has {values.Length} values but shape [{string.Join(", ", dims)}] needs {expected}.");
        var tensor = new TensorProto { Name = name, DataType = (int)WeightType };
        tensor.Dims.AddRange(dims);
        tensor.RawData = WeightType == TensorProto.Types.DataType.Float
            ? ByteString.CopyFrom(MemoryMarshal.AsBytes(values))
            : ByteString.CopyFrom(MemoryMarshal.AsBytes(ToHalf(values).AsSpan()));
        _graph.Initializer.Add(tensor);
        return name;
    }

    static Half[] ToHalf(ReadOnlySpan<float> values)
    {
        var half = new Half[values.Length];
        for (int i = 0; i < values.Length; i++) half[i] = (Half)values[i];
        return half;
    }

    /// <summary>Adds an int64 constant (shapes, axes, indices); no dims makes a scalar.</summary>
    public string AddInt64Initializer(string name, long[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    public static AttributeProto Attribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Attribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Attribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>Adds a node and returns its output name (<paramref name="output"/>, or a generated one).</summary>
    public string AddNode(string opType, IEnumerable<string> inputs, string? output = null, params AttributeProto[] attributes)
    {
        string name = $"{opType}_{_nodeCount++}";
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output ?? name + "_out");
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return node.Output[0];
    }

    /// <summary>Adds a node of ONNX Runtime's contrib domain (com.microsoft) and imports that domain.</summary>
    public string AddContribNode(string opType, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        string output = AddNode(opType, inputs, null, attributes);
        _graph.Node[^1].Domain = OnnxFormat.ContribDomain;
        _usesContribOps = true;
        return output;
    }

    /// <summary>Gives the node that produced <paramref name="firstOutput"/> more outputs (Split).</summary>
    public void AddExtraOutputs(string firstOutput, IEnumerable<string> outputs) =>
        _graph.Node.Single(node => node.Output.Contains(firstOutput)).Output.AddRange(outputs);

    public ModelProto Build(IReadOnlyDictionary<string, string>? metadata = null)
    {
        var model = new ModelProto
        {
            IrVersion = OnnxFormat.IrVersion,
            ProducerName = OnnxFormat.Producer,
            ProducerVersion = OnnxFormat.ProducerVersion,
            Graph = _graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxFormat.Opset });
        if (_usesContribOps) model.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxFormat.ContribDomain, Version = 1 });
        foreach ((string key, string value) in metadata ?? new Dictionary<string, string>())
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                _ => throw new ArgumentException($"Dimension of '{name}' must be a size or a symbolic name, got {dim}."),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
