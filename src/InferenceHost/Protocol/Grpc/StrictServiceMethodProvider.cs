using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Cltool.InferenceHost.Protocol.Grpc;

/// <summary>
/// Binds every gRPC service of the host as Grpc.AspNetCore's own provider does (the generated BindService through a
/// binder), with one difference: a request whose bytes do not parse is the client's mistake. Grpc.AspNetCore would
/// answer UNKNOWN "Exception was thrown by handler." and log the parser's stack trace; here the deserializer answers
/// INVALID_ARGUMENT naming the message and logs one line with the request id. It replaces the default provider, so it
/// covers every method of every service (inference and health) and nothing is bound twice.
/// </summary>
public sealed class StrictServiceMethodProvider<TService>(IHttpContextAccessor http, ILogger<StrictServiceMethodProvider<TService>> logger)
    : IServiceMethodProvider<TService> where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        if (typeof(TService).GetCustomAttribute<BindServiceMethodAttribute>(inherit: true) is not { } attribute) return;
        MethodInfo bind = attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Single(m => m.Name == attribute.BindMethodName && m.GetParameters() is [{ ParameterType: var binder }, _] && binder == typeof(ServiceBinderBase));
        bind.Invoke(null, [new Binder(context, this), null]);
    }

    /// <summary>The method with a request deserializer that turns unparseable bytes into INVALID_ARGUMENT.</summary>
    Method<TRequest, TResponse> Strict<TRequest, TResponse>(Method<TRequest, TResponse> method) where TRequest : class where TResponse : class
    {
        Func<DeserializationContext, TRequest> deserialize = method.RequestMarshaller.ContextualDeserializer;
        TRequest Deserialize(DeserializationContext bytes)
        {
            try
            {
                return deserialize(bytes);
            }
            catch (InvalidProtocolBufferException error)
            {
                string message = $"the {typeof(TRequest).Name} does not parse as protobuf: {error.Message.TrimEnd('.')}.";
                logger.LogWarning("request {RequestId} {Method}: {Message}", http.HttpContext?.TraceIdentifier, method.FullName, message);
                throw new RpcException(new Status(StatusCode.InvalidArgument, message));
            }
        }
        var requests = new Marshaller<TRequest>(method.RequestMarshaller.ContextualSerializer, Deserialize);
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, requests, method.ResponseMarshaller);
    }

    /// <summary>Each method the generated BindService announces, bound to TService's implementation of it.</summary>
    sealed class Binder(ServiceMethodProviderContext<TService> context, StrictServiceMethodProvider<TService> provider) : ServiceBinderBase
    {
        static T Invoker<T>(string name) where T : Delegate =>
            (typeof(TService).GetMethod(name, BindingFlags.Public | BindingFlags.Instance) ?? throw new InvalidOperationException($"{typeof(TService).Name} has no {name}."))
            .CreateDelegate<T>();

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            context.AddUnaryMethod(provider.Strict(method), [], Invoker<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddServerStreamingMethod(provider.Strict(method), [], Invoker<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method.Name));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddClientStreamingMethod(provider.Strict(method), [], Invoker<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method.Name));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddDuplexStreamingMethod(provider.Strict(method), [], Invoker<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method.Name));
    }
}
