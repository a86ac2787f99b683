using System.Runtime.InteropServices;
using Cltool.Core;
using TorchSharp;

namespace Cltool.Trainer.Native;

/// <summary>
/// Chooses libtorch's intra-op thread count and OpenMP's wait policy for a command, before libtorch loads.
/// Measured on 2 cores (issue 26; docs/speed.md, "Training under load"): with every core used and libgomp's default waiting, one
/// other CPU-bound process made training 3.2x slower, because each parallel region waits for the thread the scheduler
/// took away; one thread then ran 2x faster than two. Passive waiting cured that too but cost 50 % on an idle machine,
/// so the default keeps libgomp's waiting and takes fewer threads when other processes hold cores at the start.
/// NOTE: the thread count changes how libtorch splits its reductions, so it changes a run's last bits: it is recorded in
/// the run's manifest, a resumed run and an evaluation reuse the run's count, and --threads pins it.
/// </summary>
public static class TorchThreads
{
    public const string WaitDefault = "default", WaitActive = "active", WaitPassive = "passive";
    public static readonly string[] WaitPolicies = [WaitDefault, WaitActive, WaitPassive];
    static readonly TimeSpan LoadWindow = TimeSpan.FromMilliseconds(400);

    /// <summary>The policy this process applied last; null when no command applied one (libtorch's own default).</summary>
    public static ThreadPolicy? Current { get; private set; }

    /// <summary>
    /// Applies the policy: <paramref name="requested"/> threads when given (--threads), else those <paramref name="recorded"/>
    /// by the run this command continues, else as many as the cores other processes leave free (at least one).
    /// </summary>
    public static ThreadPolicy Apply(int? requested, int? recorded, string waitPolicy = WaitDefault)
    {
        string wait = SetWaitPolicy(waitPolicy);
        (int threads, string reason) = requested is { } pinned ? (pinned, "--threads")
            : recorded is { } same ? (Math.Min(same, Environment.ProcessorCount),
                same <= Environment.ProcessorCount ? "as the run was trained" : $"the run's {same}, capped to this machine's cores")
            : FromLoad();
        // Only a different count is set: on an idle machine libtorch keeps its own defaults for OpenMP, MKL and oneDNN,
        // and a run is exactly the run cltool made before this policy existed.
        if (threads != torch.get_num_threads()) torch.set_num_threads(threads);
        return Current = new ThreadPolicy(torch.get_num_threads(), wait, reason);
    }

    /// <summary>Cores minus what other processes used over a short window, rounded, at least one.</summary>
    static (int Threads, string Reason) FromLoad()
    {
        int cores = Environment.ProcessorCount;
        if (CpuTimes.OthersShare(LoadWindow) is not { } others) return (cores, "auto: machine load unknown, every core");
        int free = Math.Clamp((int)Math.Round(cores * (1 - others)), 1, cores);
        return (free, $"auto: other processes held {others:P0} of {cores} cores at the start");
    }

    /// <summary>
    /// libgomp reads OMP_WAIT_POLICY once, when libtorch loads it, and .NET's Environment does not reach the native
    /// environment: so it is set through libc, and only while libgomp is not loaded yet. An OMP_WAIT_POLICY the user
    /// exported wins over the default.
    /// </summary>
    static string SetWaitPolicy(string policy)
    {
        string inForce = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")?.ToLowerInvariant() ?? WaitDefault;
        if (policy == WaitDefault || policy == inForce) return inForce;
        if (GompLoaded()) return $"{inForce} (libtorch was loaded before --wait-policy {policy} could apply)";
        return setenv("OMP_WAIT_POLICY", policy.ToUpperInvariant(), 1) == 0 ? policy : $"{inForce} (setting OMP_WAIT_POLICY failed)";
    }

    static bool GompLoaded() =>
        File.Exists("/proc/self/maps") && File.ReadLines("/proc/self/maps").Any(line => line.Contains("libgomp", StringComparison.Ordinal));

#pragma warning disable SYSLIB1054   // a blittable call: DllImport needs no unsafe code, LibraryImport would
    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false)]
    static extern int setenv(string name, string value, int overwrite);
#pragma warning restore SYSLIB1054
}
