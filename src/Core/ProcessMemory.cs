using System.Globalization;

namespace Cltool.Core;

/// <summary>This process's memory as the kernel counts it.</summary>
public static class ProcessMemory
{
    /// <summary>The peak resident set size so far (VmHWM in /proc/self/status), in MB; null where it cannot be read.</summary>
    public static double? PeakResidentMegabytes()
    {
        try
        {
            string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? null : Math.Round(long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0, 1);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
