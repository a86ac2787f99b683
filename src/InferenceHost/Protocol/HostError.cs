namespace Cltool.InferenceHost.Protocol;

/// <summary>A request the host refuses: answered as <c>{"error": Message}</c> with <see cref="Status"/>.</summary>
public sealed class HostError(int status, string message, int? retryAfterSeconds = null) : Exception(message)
{
    public int Status { get; } = status;
    public int? RetryAfterSeconds { get; } = retryAfterSeconds;

    public static HostError BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
    public static HostError NotFound(string message) => new(StatusCodes.Status404NotFound, message);
    public static HostError TooLarge(string message) => new(StatusCodes.Status413PayloadTooLarge, message);
}
