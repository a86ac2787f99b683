using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Cltool.Core;

/// <summary>
/// What made a run, beyond its recipe: cltool's version and commit (and whether the working tree had uncommitted
/// changes), the versions of the native stacks (TorchSharp, libtorch, ONNX Runtime, as this program's dependency file
/// lists them), .NET, the OS, the CPU, the threads and the device; the thread policy says why that many threads
/// (null in runs made before it was recorded).
/// </summary>
public sealed record RunEnvironment(string Cltool, string Commit, bool Dirty, IReadOnlyDictionary<string, string> Packages,
                                    string DotNet, string Os, string Cpu, int Cores, int Threads, string Device, string? ThreadPolicy = null)
{
    static readonly string[] PackagePrefixes = ["TorchSharp", "libtorch", "Microsoft.ML.OnnxRuntime"], OtherPlatforms = ["-osx-", "-win-"];

    /// <summary>This process's environment, with the device and thread count the caller runs on.</summary>
    public static RunEnvironment Here(string device, int threads, string? threadPolicy = null)
    {
        string informational = typeof(RunEnvironment).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        string[] parts = informational.Split('+', 2);
        string revision = parts.Length == 2 ? parts[1] : "unknown";
        bool dirty = revision.EndsWith("-dirty", StringComparison.Ordinal);
        return new RunEnvironment(parts[0], dirty ? revision[..^"-dirty".Length] : revision, dirty, NativePackages(), RuntimeInformation.FrameworkDescription,
            RuntimeInformation.OSDescription, CpuModel(), Environment.ProcessorCount, threads, device, threadPolicy);
    }

    /// <summary>What differs between the environment that made a run and <paramref name="now"/>, one line per fact.</summary>
    public IReadOnlyList<string> DifferencesFrom(RunEnvironment now)
    {
        var lines = new List<string>();
        void Compare(string what, string then, string here)
        {
            if (then != here) lines.Add($"{what}: the run had {then}, this is {here}");
        }
        Compare("cltool commit", Commit + (Dirty ? " (uncommitted changes)" : ""), now.Commit + (now.Dirty ? " (uncommitted changes)" : ""));
        foreach (string package in Packages.Keys.Intersect(now.Packages.Keys).Order(StringComparer.Ordinal))
            Compare(package, Packages[package], now.Packages[package]);
        Compare(".NET", DotNet, now.DotNet);
        Compare("CPU", Cpu, now.Cpu);
        return lines;
    }

    /// <summary>
    /// The native stacks' package versions from the application's dependency files (what was restored and runs): the
    /// host's list, and every *.deps.json next to the application (a test host lists its own, not the tests').
    /// </summary>
    static SortedDictionary<string, string> NativePackages()
    {
        var packages = new SortedDictionary<string, string>(StringComparer.Ordinal);
        IEnumerable<string> files = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.deps.json")).Distinct();
        foreach (string file in files)
        {
            if (!File.Exists(file) || JsonNode.Parse(File.ReadAllText(file))?["libraries"] is not JsonObject libraries) continue;
            foreach (string key in libraries.Select(library => library.Key))
            {
                string[] nameVersion = key.Split('/', 2);
                if (nameVersion.Length == 2 && PackagePrefixes.Any(prefix => nameVersion[0].StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                    && !OtherPlatforms.Any(platform => nameVersion[0].Contains(platform, StringComparison.Ordinal)))
                    packages[nameVersion[0]] = nameVersion[1];
            }
        }
        return packages;
    }

    static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                   ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }
}
