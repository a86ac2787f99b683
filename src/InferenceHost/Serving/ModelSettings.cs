using Cltool.Core;
using Cltool.Core.Errors;
using Cltool.Core.Models;
using Cltool.InferenceHost.Protocol.Grpc;
using Kind = Cltool.InferenceHost.Protocol.Grpc.ModelInstanceGroup.Types.Kind;

namespace Cltool.InferenceHost.Serving;

/// <summary>
/// How one model is served, as its config.pbtxt says (in Triton the file is the truth) with the command line's options
/// for what the file leaves out: the version policy, batching (largest batch, queue delay, preferred sizes) and the
/// instances (sessions per version and their device). What the host cannot honour, or a file that contradicts itself or
/// the model's graph, is a failed load naming the field.
/// </summary>
public sealed record ModelSettings(ModelConfig File, VersionPolicy Policy, int MaxBatch, long MaxQueueDelayMicroseconds,
                                   IReadOnlyList<int> PreferredBatchSizes, IReadOnlyList<ModelInstanceGroup> InstanceGroups)
{
    /// <summary>The settings of <paramref name="model"/> from its parsed config (empty when it has none).</summary>
    public static ModelSettings Of(ModelConfig file, string model, ServeOptions options, string where)
    {
        int maxBatch = file.MaxBatchSize > 0 ? file.MaxBatchSize : options.MaxBatch;
        string? problem = IdentityProblem(file, model) ?? BatchingProblem(file, maxBatch)
                          ?? file.InstanceGroup.Select(g => InstanceProblem(g, options.Device)).FirstOrDefault(p => p is not null);
        if (problem is not null) throw new CltoolException($"{where}: {problem}");
        return new ModelSettings(file, VersionPolicy.Of(file.VersionPolicy, where), maxBatch,
            file.DynamicBatching is { } batching ? (long)batching.MaxQueueDelayMicroseconds : options.MaxDelayMs * 1000L,
            file.DynamicBatching?.PreferredBatchSize.Distinct().Order().ToArray() ?? [],
            file.InstanceGroup.Count > 0 ? file.InstanceGroup.Select(Counted).ToArray() : [new ModelInstanceGroup { Kind = Kind.Auto, Count = 1 }]);
    }

    /// <summary>Where one instance of <paramref name="group"/> runs on a host started with <paramref name="hostDevice"/>,
    /// and which setting an unusable CUDA is reported against.</summary>
    public static (DeviceKind Device, string CudaRequiredBy) PlacementOf(ModelInstanceGroup group, DeviceKind hostDevice) => group.Kind switch
    {
        Kind.Cpu => (DeviceKind.Cpu, "instance_group kind KIND_CPU"),
        Kind.Gpu => (DeviceKind.Cuda, "instance_group kind KIND_GPU"),
        _ => (hostDevice, "--device cuda"),
    };

    static string? IdentityProblem(ModelConfig file, string model) =>
        file.Name.Length > 0 && file.Name != model ? $"name '{file.Name}' is not the model's folder name '{model}'." :
        file.Platform.Length > 0 && file.Platform != Protocol.ModelConfiguration.Platform ? $"platform '{file.Platform}' is not one this host runs (it serves {Protocol.ModelConfiguration.Platform})." :
        file.Backend.Length > 0 && file.Backend != Protocol.ModelConfiguration.Backend ? $"backend '{file.Backend}' is not one this host runs (it serves {Protocol.ModelConfiguration.Backend})." :
        null;

    static string? BatchingProblem(ModelConfig file, int maxBatch) =>
        file.MaxBatchSize < 0 ? $"max_batch_size must be 0 (the host's --max-batch) or more, got {file.MaxBatchSize}." :
        file.DynamicBatching?.PreferredBatchSize.Where(size => size <= 0 || size > maxBatch).Select(size => (int?)size).FirstOrDefault() is { } bad
            ? $"dynamic batching preferred size {bad} must be between 1 and the max batch size {maxBatch}." :
        null;

    static string? InstanceProblem(ModelInstanceGroup group, DeviceKind hostDevice) =>
        group.Count < 0 ? $"instance_group count must be positive, got {group.Count}." :
        group.Kind == Kind.Model ? "instance_group kind KIND_MODEL leaves placement to the backend; this host places instances itself (KIND_AUTO, KIND_CPU or KIND_GPU)." :
        group.Kind == Kind.Gpu && hostDevice == DeviceKind.Cpu ? "instance_group kind KIND_GPU, but the host runs with --device cpu." :
        group.Kind == Kind.Cpu && group.Gpus.Count > 0 ? "instance_group kind KIND_CPU cannot list gpus." :
        group.Gpus.Any(gpu => gpu != 0) ? $"instance_group gpus [{string.Join(", ", group.Gpus)}]: this host uses GPU 0 only." :
        null;

    /// <summary>A group with its count filled in: an unset count is 2 on the CPU and 1 elsewhere, as Triton's ONNX Runtime backend does.</summary>
    static ModelInstanceGroup Counted(ModelInstanceGroup group) =>
        group.Count > 0 ? group.Clone() : new ModelInstanceGroup(group) { Count = group.Kind == Kind.Cpu ? 2 : 1 };

    /// <summary>Where the file's inputs and outputs contradict the loaded graph (names, types, dims); null when they agree.</summary>
    public string? ProblemWith(ModelSession session)
    {
        long[] image = [session.Channels, session.Height, session.Width];
        ModelInput? input = File.Input.FirstOrDefault(i => i.Name != ModelSignature.Input || i.DataType != DataType.TypeFp32 || i.Format == ModelInput.Types.Format.Nhwc || !i.Dims.SequenceEqual(image));
        ModelOutput? output = File.Output.FirstOrDefault(o => o.Name != ModelSignature.Output || o.DataType != DataType.TypeFp32 || o.Dims.Count != 1 || o.Dims[0] != -1 && o.Dims[0] != session.Classes);
        return input is not null ? $"input '{input.Name}' {input.DataType} {input.Format} dims [{string.Join(", ", input.Dims)}] does not match the model's input '{ModelSignature.Input}' TYPE_FP32 FORMAT_NCHW dims [{string.Join(", ", image)}]." :
               output is not null ? $"output '{output.Name}' {output.DataType} dims [{string.Join(", ", output.Dims)}] does not match the model's output '{ModelSignature.Output}' TYPE_FP32 dims [{session.Classes}] (or [-1])." :
               null;
    }
}
