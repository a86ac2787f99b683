using Cltool.NativeCompat;
using TorchSharp;

namespace Cltool.Trainer.Native;

/// <summary>Loads libtorch through TorchSharp and describes it, without ever throwing.</summary>
public static class TorchEnvironment
{
    /// <summary>Where TorchSharp's native glue lives in a framework-dependent build or publish output.</summary>
    public static string LibTorchSharpPath =>
        Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>The libtorch backend this build references (MSBuild -p:TorchBackend=cpu|cuda, recorded in the assembly).</summary>
    public static string Backend { get; } = typeof(TorchEnvironment).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "TorchBackend")?.Value ?? "unknown";

    /// <param name="applyThreadPolicy">Apply the default thread policy (as train would) inside the load check, so it is what the report shows.</param>
    public static TorchReport Probe(bool applyThreadPolicy = false)
    {
        string repair = DescribeRepair();
        string torchSharpVersion = typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "unknown";
        try
        {
            if (applyThreadPolicy) TorchThreads.Apply(requested: null, recorded: null);
            using (torch.NewDisposeScope())
            {
                torch.Tensor probe = torch.ones(2, 2);
                if (probe.matmul(probe)[0, 0].item<float>() != 2f) throw new InvalidOperationException("a 2x2 matmul gave a wrong result");
            }
            bool cuda = torch.cuda.is_available();
            return new TorchReport(true, TrimVersion(torch.__version__), torchSharpVersion, Backend, torch.get_num_threads(),
                TorchThreads.Current?.Describe() ?? "libtorch's default (no command chose a policy)", repair,
                cuda, cuda ? $"{torch.cuda.device_count()} CUDA device(s)" : CudaUnavailableReason(), null);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            return new TorchReport(false, null, torchSharpVersion, Backend, 0, "none: libtorch did not load", repair, false, "libtorch did not load", Flatten(error));
        }
    }

    static string DescribeRepair()
    {
        if (!OperatingSystem.IsLinux()) return "not applicable (not Linux)";
        if (!File.Exists(LibTorchSharpPath)) return $"not found: {LibTorchSharpPath}";
        bool systemNeedsIt = LibTorchSharpRepair.SystemNeedsRepair();
        string system = systemNeedsIt
            ? $"system libstdc++ lacks {LibTorchSharpRepair.RequiredVersion}"
            : $"system libstdc++ has {LibTorchSharpRepair.RequiredVersion}";
        try
        {
            return LibTorchSharpRepair.Inspect(LibTorchSharpPath) switch
            {
                LibTorchSharpState.Repaired => $"applied ({system})",
                LibTorchSharpState.NoRequirement => $"not needed by this libLibTorchSharp.so ({system})",
                _ when systemNeedsIt => $"MISSING ({system}); rebuild so the build can repair {LibTorchSharpPath}",
                _ => $"not needed ({system})",
            };
        }
        catch (Exception error) when (error is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return $"unknown: {error.Message}";
        }
    }

    // The CPU package has no libtorch_cuda.so at all; with the CUDA package the usual cause is a missing driver.
    static string CudaUnavailableReason()
    {
        string nativeDirectory = Path.GetDirectoryName(LibTorchSharpPath)!;
        bool cudaBuild = File.Exists(Path.Combine(nativeDirectory, "libtorch_cuda.so"));
        if (!cudaBuild) return "this build uses TorchSharp-cpu: libtorch was compiled without CUDA";
        return File.Exists("/proc/driver/nvidia/version")
            ? "libtorch has CUDA but found no usable device"
            : "no NVIDIA driver is loaded (/proc/driver/nvidia/version is missing)";
    }

    static string TrimVersion(string version) => version.EndsWith(".0.0", StringComparison.Ordinal) ? version[..^2] : version;

    static string Flatten(Exception error)
    {
        var messages = new List<string>();
        for (Exception? current = error; current is not null; current = current.InnerException) messages.Add(current.Message);
        return string.Join(" <- ", messages);
    }
}
