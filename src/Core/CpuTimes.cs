using System.Diagnostics;
using System.Globalization;

namespace Cltool.Core;

/// <summary>CPU time of the whole machine and of this process: what tells whether other processes hold the cores.</summary>
public static class CpuTimes
{
    /// <summary>All cores' busy time since boot: /proc/stat's first line, every field but idle and iowait, in USER_HZ (100 per second); null where it cannot be read.</summary>
    public static TimeSpan? MachineBusy()
    {
        try
        {
            string[] fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long[] ticks = fields.Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            return TimeSpan.FromSeconds((ticks.Sum() - ticks[3] - ticks[4]) / 100.0);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>This process's CPU time so far.</summary>
    public static TimeSpan Own()
    {
        using Process self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>
    /// The share of all cores that other processes used during <paramref name="window"/> (this process sleeps meanwhile);
    /// null where /proc/stat cannot be read.
    /// </summary>
    public static double? OthersShare(TimeSpan window)
    {
        TimeSpan? before = MachineBusy();
        TimeSpan ownBefore = Own();
        var clock = Stopwatch.StartNew();
        Thread.Sleep(window);
        TimeSpan? after = MachineBusy();
        TimeSpan own = Own() - ownBefore;
        if (before is not { } b || after is not { } a) return null;
        return Math.Clamp((a - b - own) / (clock.Elapsed * Environment.ProcessorCount), 0, 1);
    }
}
