using System.Text.Json.Nodes;
using Cltool.Core.Models;
using Cltool.InferenceHost.Protocol.Grpc;
using Cltool.InferenceHost.Serving;

namespace Cltool.InferenceHost.Protocol;

/// <summary>
/// A served model's KServe metadata and its configuration in Triton's terms (what perf_analyzer and Triton's image client
/// read before the first request): platform, batching, the FP32 NCHW input, the logits output with labels, the version
/// policy. Each is one message, answered as protobuf over gRPC and as JSON over HTTP.
/// </summary>
public static class ModelConfiguration
{
    public const string Platform = "onnxruntime_onnx", Backend = "onnxruntime";

    /// <summary>KServe v2 model metadata: the ready versions (highest first) and the tensors, batch dimension -1.</summary>
    public static ModelMetadataResponse Metadata(string name, IEnumerable<ServedVersion> ready, ModelSession model) => new()
    {
        Name = name,
        Versions = { ready.Select(v => v.Version.ToString()) },
        Platform = Platform,
        Inputs = { Tensor(ModelSignature.Input, -1, model.Channels, model.Height, model.Width) },
        Outputs = { Tensor(ModelSignature.Output, -1, model.Classes) },
    };

    static ModelMetadataResponse.Types.TensorMetadata Tensor(string name, params long[] shape) =>
        new() { Name = name, Datatype = "FP32", Shape = { shape } };

    /// <summary>The metadata as KServe's JSON.</summary>
    public static JsonObject Json(ModelMetadataResponse metadata)
    {
        static JsonNode Tensors(IEnumerable<ModelMetadataResponse.Types.TensorMetadata> tensors) => new JsonArray(tensors.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name,
            ["datatype"] = t.Datatype,
            ["shape"] = Array(t.Shape),
        }).ToArray());
        return new JsonObject
        {
            ["name"] = metadata.Name,
            ["versions"] = new JsonArray(metadata.Versions.Select(v => (JsonNode)v).ToArray()),
            ["platform"] = metadata.Platform,
            ["inputs"] = Tensors(metadata.Inputs),
            ["outputs"] = Tensors(metadata.Outputs),
        };
    }

    /// <summary>The configuration in effect for a served version: its config.pbtxt as the host honours it, with the
    /// command line's defaults where the file is silent, the tensors from the graph and named instance groups.</summary>
    public static ModelConfig Of(string name, ServedVersion served) => new()
    {
        Name = name,
        Platform = Platform,
        Backend = Backend,
        MaxBatchSize = served.Settings.MaxBatch,
        VersionPolicy = Policy(served.Settings.Policy),
        Input = { new ModelInput { Name = ModelSignature.Input, DataType = DataType.TypeFp32, Format = ModelInput.Types.Format.Nchw, Dims = { served.Session.Channels, served.Session.Height, served.Session.Width } } },
        Output = { new ModelOutput { Name = ModelSignature.Output, DataType = DataType.TypeFp32, Dims = { served.Session.Classes }, LabelFilename = RepositoryLayout.LabelsFile } },
        DynamicBatching = new ModelDynamicBatching { MaxQueueDelayMicroseconds = (ulong)served.Settings.MaxQueueDelayMicroseconds, PreferredBatchSize = { served.Settings.PreferredBatchSizes } },
        InstanceGroup = { served.Settings.InstanceGroups.Select((group, i) => new ModelInstanceGroup(group) { Name = group.Name.Length > 0 ? group.Name : $"{name}_{i}" }) },
    };

    static ModelVersionPolicy Policy(VersionPolicy policy) => policy switch
    {
        VersionPolicy.Latest latest => new ModelVersionPolicy { Latest = new ModelVersionPolicy.Types.Latest { NumVersions = (uint)latest.Count } },
        VersionPolicy.Specific specific => new ModelVersionPolicy { Specific = new ModelVersionPolicy.Types.Specific { Versions = { specific.Versions } } },
        _ => new ModelVersionPolicy { All = new ModelVersionPolicy.Types.All() },
    };

    /// <summary>Triton's HTTP form: proto field names, enum names, numbers as JSON numbers.</summary>
    public static JsonObject Json(ModelConfig config) => new()
    {
        ["name"] = config.Name,
        ["platform"] = config.Platform,
        ["backend"] = config.Backend,
        ["version_policy"] = config.VersionPolicy.PolicyChoiceCase switch
        {
            ModelVersionPolicy.PolicyChoiceOneofCase.Latest => new JsonObject { ["latest"] = new JsonObject { ["num_versions"] = config.VersionPolicy.Latest.NumVersions } },
            ModelVersionPolicy.PolicyChoiceOneofCase.Specific => new JsonObject { ["specific"] = new JsonObject { ["versions"] = Array(config.VersionPolicy.Specific.Versions) } },
            _ => new JsonObject { ["all"] = new JsonObject() },
        },
        ["max_batch_size"] = config.MaxBatchSize,
        ["input"] = new JsonArray(config.Input.Select(i => (JsonNode)new JsonObject
        {
            ["name"] = i.Name,
            ["data_type"] = "TYPE_FP32",
            ["format"] = "FORMAT_NCHW",
            ["dims"] = Array(i.Dims),
        }).ToArray()),
        ["output"] = new JsonArray(config.Output.Select(o => (JsonNode)new JsonObject
        {
            ["name"] = o.Name,
            ["data_type"] = "TYPE_FP32",
            ["dims"] = Array(o.Dims),
            ["label_filename"] = o.LabelFilename,
        }).ToArray()),
        ["dynamic_batching"] = new JsonObject
        {
            ["preferred_batch_size"] = new JsonArray(config.DynamicBatching.PreferredBatchSize.Select(size => (JsonNode)size).ToArray()),
            ["max_queue_delay_microseconds"] = config.DynamicBatching.MaxQueueDelayMicroseconds,
        },
        ["instance_group"] = new JsonArray(config.InstanceGroup.Select(group => (JsonNode)new JsonObject
        {
            ["name"] = group.Name,
            ["kind"] = ModelInstanceGroup.Descriptor.FindFieldByNumber(ModelInstanceGroup.KindFieldNumber).EnumType.FindValueByNumber((int)group.Kind).Name,
            ["count"] = group.Count,
            ["gpus"] = new JsonArray(group.Gpus.Select(gpu => (JsonNode)gpu).ToArray()),
        }).ToArray()),
    };

    static JsonArray Array(IEnumerable<long> values) => new(values.Select(v => (JsonNode)v).ToArray());
}
