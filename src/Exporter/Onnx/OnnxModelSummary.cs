using Cltool.Core.Errors;
using Google.Protobuf;
using Onnx;

namespace Cltool.Exporter.Onnx;

/// <summary>What `cltool inspect` shows of an ONNX file: versions, signature, operators, initializers, metadata.</summary>
public sealed record OnnxModelSummary(
    long IrVersion,
    IReadOnlyDictionary<string, long> Opsets,
    string Producer,
    IReadOnlyList<OnnxValueSummary> Inputs,
    IReadOnlyList<OnnxValueSummary> Outputs,
    IReadOnlyList<(string OpType, int Count)> Operators,
    IReadOnlyList<OnnxValueSummary> Initializers,
    long ParameterCount,
    IReadOnlyDictionary<string, string> Metadata)
{
    public static OnnxModelSummary Read(string path)
    {
        ModelProto model;
        try
        {
            using FileStream stream = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException error)
        {
            throw new CltoolException($"'{path}' is not a valid ONNX model: {CltoolException.OneLine(error.Message)}");
        }
        if (model.Graph is null) throw new CltoolException($"'{path}' is not a valid ONNX model: it has no graph.");
        GraphProto graph = model.Graph;
        return new OnnxModelSummary(
            model.IrVersion,
            model.OpsetImport.ToDictionary(opset => opset.Domain.Length == 0 ? "ai.onnx" : opset.Domain, opset => opset.Version),
            $"{model.ProducerName} {model.ProducerVersion}".Trim(),
            graph.Input.Select(Describe).ToArray(),
            graph.Output.Select(Describe).ToArray(),
            graph.Node.GroupBy(node => node.Domain.Length == 0 ? node.OpType : $"{node.Domain}.{node.OpType}")
                .Select(group => (group.Key, group.Count())).OrderByDescending(pair => pair.Item2).ThenBy(pair => pair.Key).ToArray(),
            graph.Initializer.Select(tensor => new OnnxValueSummary(tensor.Name, DTypeName(tensor.DataType), "[" + string.Join(", ", tensor.Dims) + "]")).ToArray(),
            graph.Initializer.Sum(tensor => tensor.Dims.Aggregate(1L, (a, b) => a * b)),
            model.MetadataProps.ToDictionary(entry => entry.Key, entry => entry.Value));
    }

    static OnnxValueSummary Describe(ValueInfoProto value)
    {
        TypeProto.Types.Tensor? tensor = value.Type?.TensorType;
        if (tensor is null) return new OnnxValueSummary(value.Name, "?", "?");
        string shape = tensor.Shape is null ? "?" : "[" + string.Join(", ", tensor.Shape.Dim.Select(dim =>
            dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? dim.DimValue.ToString() : dim.DimParam)) + "]";
        return new OnnxValueSummary(value.Name, DTypeName(tensor.ElemType), shape);
    }

    static string DTypeName(int type) => ((TensorProto.Types.DataType)type).ToString().ToLowerInvariant();
}
