namespace Cltool.InferenceHost.Serving;

/// <summary>The queue is full: the caller answers 503 with Retry-After instead of letting memory grow.</summary>
public sealed class QueueFullException() : Exception("The request queue is full; retry shortly.");
