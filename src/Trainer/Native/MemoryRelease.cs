using System.Runtime;
using System.Runtime.InteropServices;

namespace Cltool.Trainer.Native;

/// <summary>
/// Hands memory that is already free back to the operating system at the trainer's natural pauses (an epoch's or a task's
/// end). Two caches hold it otherwise: glibc keeps libtorch's freed blocks in its heap (free() trims only the top of the
/// heap, so one live block above a freed region keeps it resident), and the GC collects the large-object heap, where
/// batches and checkpoint buffers live, only every few hundred megabytes. Each call costs a few milliseconds.
/// </summary>
public static class MemoryRelease
{
    public static void AtBoundary()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        if (OperatingSystem.IsLinux()) TrimNativeHeap();
    }

    static void TrimNativeHeap()
    {
        try
        {
            _ = malloc_trim(0);   // 1 when memory went back to the system, 0 when none could: not an error either way
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl): nothing to trim this way.
        }
    }

    // DllImport, not LibraryImport: the source generator would need unsafe code enabled for one blittable call.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int malloc_trim(nuint pad);
#pragma warning restore SYSLIB1054
}
