using System.Runtime.InteropServices;
using Cltool.Core.Data;
using Cltool.InferenceHost.Runtime;
using Cltool.Trainer.Native;

namespace Cltool.Cli.Commands;

/// <summary>Everything `cltool doctor` found, in the shape it prints as JSON.</summary>
public sealed record DoctorReport(
    string Cltool,
    string DotNet,
    string Platform,
    int Cpus,
    TorchReport Torch,
    OrtReport OnnxRuntime,
    IReadOnlyList<DatasetAvailability> Datasets)
{
    /// <summary>Healthy when both native runtimes load; CUDA and datasets are optional.</summary>
    public bool Healthy => Torch.Loaded && OnnxRuntime.Loaded;

    /// <summary>Applies the default thread policy first (what train would choose now), so the report shows the policy in force.</summary>
    public static DoctorReport Collect() => new(
        typeof(DoctorReport).Assembly.GetName().Version?.ToString(3) ?? "unknown",
        RuntimeInformation.FrameworkDescription,
        $"{RuntimeInformation.OSDescription} {RuntimeInformation.RuntimeIdentifier}",
        Environment.ProcessorCount,
        TorchEnvironment.Probe(applyThreadPolicy: true),
        OrtEnvironment.Probe(),
        BuiltInDatasets.Probe());
}
