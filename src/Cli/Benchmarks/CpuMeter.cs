using System.Diagnostics;
using Cltool.Core;

namespace Cltool.Cli.Benchmarks;

/// <summary>
/// Whether another process took CPU while a benchmark was timing (this machine is shared): the machine's busy time
/// (/proc/stat) minus this process's own CPU time, over the wall time of the timed sections times the cores. The
/// process's own share is kept too, but it is no contention signal by itself: a latency-bound load (one request at a
/// time) or a benchmark's deliberate pauses leave cores idle without anyone else taking them. Where /proc/stat cannot
/// be read, a low own share is the fallback signal. Contended: ratios between interleaved rows still hold, absolute
/// figures do not.
/// </summary>
public sealed class CpuMeter
{
    public const double ContendedFromOthers = 0.25, ContendedBelowOwn = 0.75;

    TimeSpan _cpu, _wall, _machine;
    bool _machineKnown = true;

    /// <summary>Runs <paramref name="timed"/> and adds its CPU and wall time to the meter.</summary>
    public T Measure<T>(Func<T> timed)
    {
        Sample start = Sample.Now();
        T result = timed();
        Add(start, Sample.Now());
        return result;
    }

    /// <summary>The same for asynchronous work: everything the process ran meanwhile counts (the host and its load generator both).</summary>
    public async Task<T> MeasureAsync<T>(Func<Task<T>> timed)
    {
        Sample start = Sample.Now();
        T result = await timed();
        Add(start, Sample.Now());
        return result;
    }

    void Add(Sample start, Sample end)
    {
        _wall += end.Wall - start.Wall;
        _cpu += end.Own - start.Own;
        if (start.Machine is { } before && end.Machine is { } after) _machine += after - before;
        else _machineKnown = false;
    }

    /// <summary>This process's CPU time over the timed wall time of every core.</summary>
    public double Share => _wall == TimeSpan.Zero ? 1 : _cpu / (_wall * Environment.ProcessorCount);

    /// <summary>Other processes' CPU time over the timed wall time of every core; null where /proc/stat cannot be read.</summary>
    public double? OthersShare => !_machineKnown ? null : _wall == TimeSpan.Zero ? 0 : Math.Max(0, (_machine - _cpu) / (_wall * Environment.ProcessorCount));

    public bool Contended => IsContended(Share, OthersShare);

    public static bool IsContended(double own, double? others) => others is { } o ? o >= ContendedFromOthers : own < ContendedBelowOwn;

    public string Verdict => (OthersShare is { } others
                                 ? $"other processes took {others:P0} of {Environment.ProcessorCount} cores while timing (this one {Share:P0})"
                                 : $"the process got {Share:P0} of {Environment.ProcessorCount} cores while timing")
                             + (Contended ? ": CONTENDED (another process took CPU); compare rows, not absolute figures" : ": not contended");

    readonly record struct Sample(TimeSpan Wall, TimeSpan Own, TimeSpan? Machine)
    {
        static readonly Stopwatch Clock = Stopwatch.StartNew();

        public static Sample Now() => new(Clock.Elapsed, CpuTimes.Own(), CpuTimes.MachineBusy());
    }
}
