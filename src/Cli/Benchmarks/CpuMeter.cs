using System.Diagnostics;

namespace Cltool.Cli.Benchmarks;

/// <summary>
/// How much CPU this process got while it was timing: its CPU time over the wall time of the timed sections times the
/// cores. The runtimes under test use every core, so a share well below 1 means another process took CPU during the
/// measurement (this machine is shared): ratios between interleaved rows still hold, absolute figures do not.
/// </summary>
public sealed class CpuMeter
{
    public const double ContendedBelow = 0.75;

    TimeSpan _cpu, _wall;

    /// <summary>Runs <paramref name="timed"/> and adds its CPU and wall time to the meter.</summary>
    public T Measure<T>(Func<T> timed)
    {
        using Process self = Process.GetCurrentProcess();
        TimeSpan cpuBefore = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        T result = timed();
        _wall += clock.Elapsed;
        self.Refresh();
        _cpu += self.TotalProcessorTime - cpuBefore;
        return result;
    }

    /// <summary>The same for asynchronous work: everything the process ran meanwhile counts (the host and its load generator both).</summary>
    public async Task<T> MeasureAsync<T>(Func<Task<T>> timed)
    {
        using Process self = Process.GetCurrentProcess();
        TimeSpan cpuBefore = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        T result = await timed();
        _wall += clock.Elapsed;
        self.Refresh();
        _cpu += self.TotalProcessorTime - cpuBefore;
        return result;
    }

    public double Share => _wall == TimeSpan.Zero ? 1 : _cpu / (_wall * Environment.ProcessorCount);

    public bool Contended => Share < ContendedBelow;

    public string Verdict => Contended
        ? $"the process got {Share:P0} of {Environment.ProcessorCount} cores while timing: CONTENDED (another process took CPU); compare rows, not absolute figures"
        : $"the process got {Share:P0} of {Environment.ProcessorCount} cores while timing: not contended";
}
