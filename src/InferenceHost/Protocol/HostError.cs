using Grpc.Core;

namespace Cltool.InferenceHost.Protocol;

/// <summary>
/// A request the host refuses: answered over HTTP as <c>{"error": Message}</c> with <see cref="Status"/>, over gRPC with
/// the status code Triton uses for the same case (<see cref="GrpcCode"/>).
/// </summary>
public sealed class HostError(int status, string message, int? retryAfterSeconds = null, StatusCode? grpcCode = null) : Exception(message)
{
    public int Status { get; } = status;
    public int? RetryAfterSeconds { get; } = retryAfterSeconds;

    public StatusCode GrpcCode { get; } = grpcCode ?? status switch
    {
        StatusCodes.Status404NotFound => StatusCode.NotFound,
        StatusCodes.Status401Unauthorized => StatusCode.Unauthenticated,
        StatusCodes.Status413PayloadTooLarge => StatusCode.ResourceExhausted,
        StatusCodes.Status501NotImplemented => StatusCode.Unimplemented,
        StatusCodes.Status503ServiceUnavailable => StatusCode.Unavailable,
        StatusCodes.Status504GatewayTimeout => StatusCode.DeadlineExceeded,
        >= 500 => StatusCode.Internal,
        _ => StatusCode.InvalidArgument,
    };

    public static HostError BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
    public static HostError NotFound(string message) => new(StatusCodes.Status404NotFound, message);
    public static HostError TooLarge(string message) => new(StatusCodes.Status413PayloadTooLarge, message);
    public static HostError Unavailable(string message) => new(StatusCodes.Status503ServiceUnavailable, message);

    /// <summary>Triton's words; KServe's HTTP status (404), Triton's gRPC code (INVALID_ARGUMENT).</summary>
    public static HostError UnknownModel(string name, IEnumerable<string> served) => new(StatusCodes.Status404NotFound,
        $"Request for unknown model: '{name}' is not found; this host serves {Quoted(served)}.", grpcCode: StatusCode.InvalidArgument);

    static string Quoted(IEnumerable<string> names) => names.Any() ? string.Join(", ", names.Select(n => $"'{n}'")) : "no model";
}
