using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using IoTCerts.Cli.Commands.Mqtt;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Mqtt;

namespace IoTCerts.Cli.Commands;

/// <summary>
/// <c>iotcerts mqtt publish|subscribe|token</c>: one MQTT 3.1.1 connection over mutual TLS with the device
/// certificate and its chain (R-80), the broker validated against <c>--trust</c>. Exit 0 ok; 2 when the connection
/// is refused (TLS or CONNACK), the input is bad or the broker does not answer in time; 1 when <c>subscribe
/// --count</c> ends by <c>--timeout</c> before enough messages came.
/// </summary>
internal static class MqttCommand
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    internal static Command Create()
    {
        var command = new Command("mqtt", "Talk to an MQTT broker as a device over mutual TLS: publish, subscribe, or get a Cumulocity token.");
        command.Add(CreatePublish());
        command.Add(CreateSubscribe());
        command.Add(CreateToken());
        return command;
    }

    private static Command CreatePublish()
    {
        var connection = new MqttConnectionOptions("generic");
        var topic = new Option<string>("--topic") { Description = "The topic to publish to.", Required = true };
        var message = new Option<string>("--message") { Description = "The message (sent as UTF-8).", Required = true };
        var qos = QosOption("The QoS: 0 (written to the connection), 1 (the broker acknowledges with PUBACK) or 2 (exactly once: PUBREC, PUBREL, PUBCOMP).", "0");
        var retain = new Option<bool>("--retain") { Description = "Ask the broker to retain the message." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the broker's acknowledgement (QoS 1 and 2).", DefaultValueFactory = _ => 30 };
        var json = CommonOptions.Json();
        var command = new Command("publish", "Connect, publish one message, disconnect.") { topic, message, qos, retain, timeout, json };
        connection.AddTo(command);
        command.SetGuardedAction(async (invocation, cancellationToken) =>
        {
            var parse = invocation.Parse;
            MqttDeviceClientOptions options = connection.Build(parse);
            MqttQualityOfService quality = Qos(parse.GetValue(qos));
            string topicName = parse.GetValue(topic)!;
            if (!MqttTopic.IsValidTopicName(topicName))
            {
                throw new CliException("usage", $"--topic '{topicName}' is not a topic name: it must not be empty or contain '+' or '#'");
            }

            TimeSpan wait = Seconds(parse.GetValue(timeout), "--timeout");
            return await RunAsync(options, async (client, connected, lost) =>
            {
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lost);
                bounded.CancelAfter(wait);
                try
                {
                    await client.PublishAsync(topicName, Encoding.UTF8.GetBytes(parse.GetValue(message)!), quality, parse.GetValue(retain), bounded.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new CliException(
                        lost.IsCancellationRequested ? "connection-lost" : "timeout",
                        lost.IsCancellationRequested
                            ? $"the broker closed the connection before acknowledging the message on '{topicName}'"
                            : $"the broker did not acknowledge the message on '{topicName}' within {wait.TotalSeconds:0.#} s");
                }

                bool acknowledged = quality != MqttQualityOfService.AtMostOnce;
                if (parse.GetValue(json))
                {
                    JsonOutput.Write(invocation.Out, w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("topic", topicName);
                        w.WriteNumber("qos", (int)quality);
                        w.WriteBoolean("acknowledged", acknowledged);
                        WriteConnection(w, connected);
                        w.WriteEndObject();
                    });
                }
                else
                {
                    string how = quality switch
                    {
                        MqttQualityOfService.ExactlyOnce => "QoS 2, delivery completed with the broker (PUBCOMP)",
                        MqttQualityOfService.AtLeastOnce => "QoS 1, acknowledged by the broker",
                        _ => "QoS 0, written to the connection",
                    };
                    await invocation.Out.WriteLineAsync($"published to '{topicName}' ({how}); {connected.Reason}").ConfigureAwait(false);
                }

                return CliApp.Ok;
            }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static Command CreateSubscribe()
    {
        var connection = new MqttConnectionOptions("generic");
        var topic = new Option<string[]>("--topic") { Description = "A topic filter to subscribe to ('+' and '#' wildcards; repeatable).", Required = true };
        var qos = QosOption("The QoS asked for the subscription: 0, 1 or 2.", "1");
        var count = new Option<int?>("--count") { Description = "Stop after this many messages." };
        var timeout = new Option<double?>("--timeout") { Description = "Stop after this many seconds (exit 1 if --count messages have not all come by then)." };
        var json = new Option<bool>("--json") { Description = "Print each message as one JSON object on its own line (JSON Lines) instead of text." };
        var command = new Command("subscribe", "Connect, subscribe, print messages until --count messages came or --timeout passed.") { topic, qos, count, timeout, json };
        connection.AddTo(command);
        command.SetGuardedAction(async (invocation, cancellationToken) =>
        {
            var parse = invocation.Parse;
            int? limit = parse.GetValue(count);
            double? seconds = parse.GetValue(timeout);
            if (limit is null && seconds is null)
            {
                throw new CliException("usage", "give --count <n> and/or --timeout <seconds>: subscribe must end by itself");
            }

            if (limit is < 1)
            {
                throw new CliException("usage", "--count must be at least 1");
            }

            TimeSpan? duration = seconds is { } s ? Seconds(s, "--timeout") : null;
            string[] filters = parse.GetValue(topic) ?? [];
            foreach (string filter in filters)
            {
                if (!MqttTopic.IsValidTopicFilter(filter))
                {
                    throw new CliException("usage", $"--topic '{filter}' is not a valid topic filter");
                }
            }

            MqttDeviceClientOptions options = connection.Build(parse);
            MqttQualityOfService quality = Qos(parse.GetValue(qos));
            bool asJson = parse.GetValue(json);
            using var shutdown = ShutdownSignal.Listen();
            return await RunAsync(options, async (client, _, lost) =>
            {
                var messages = Channel.CreateUnbounded<MqttMessageReceivedEventArgs>(new UnboundedChannelOptions { SingleReader = true });
                client.MessageReceivedAsync += e =>
                {
                    messages.Writer.TryWrite(e);
                    return Task.CompletedTask;
                };
                MqttSubscribeResult granted = await client.SubscribeAsync([.. filters.Select(f => new MqttTopicSubscription(f, quality))], cancellationToken).ConfigureAwait(false);
                if (!granted.AllGranted)
                {
                    string refused = string.Join(", ", granted.Requested.Where((_, i) => granted.ReturnCodes[i] == MqttSubscribeReturnCode.Failure).Select(r => $"'{r.TopicFilter}'"));
                    throw new CliException("subscription-refused", $"the broker refused the subscription to {refused}");
                }

                // SIGTERM/SIGINT end the window early, like --timeout: the messages so far count and the exit code is
                // the documented one (1 when --count messages have not all come).
                using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shutdown.Token);
                if (duration is { } d)
                {
                    window.CancelAfter(d);
                }

                int received = 0;
                try
                {
                    using var stop = CancellationTokenSource.CreateLinkedTokenSource(window.Token, lost);
                    while (limit is null || received < limit)
                    {
                        MqttMessageReceivedEventArgs message = await messages.Reader.ReadAsync(stop.Token).ConfigureAwait(false);
                        received++;
                        await invocation.Out.WriteLineAsync(asJson ? MessageJson(message) : MessageText(message)).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    if (lost.IsCancellationRequested && !window.IsCancellationRequested)
                    {
                        throw new CliException("connection-lost", $"the broker closed the connection after {received} message(s)");
                    }

                    if (limit is { } expected)
                    {
                        var until = shutdown.IsRequested ? "before the stop signal" : $"within {duration!.Value.TotalSeconds:0.#} s";
                        await invocation.Error.WriteLineAsync($"iotcerts: received {received} of {expected} message(s) {until}").ConfigureAwait(false);
                        return CliApp.Invalid;
                    }
                }

                return CliApp.Ok;
            }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static Command CreateToken()
    {
        var connection = new MqttConnectionOptions("cumulocity");
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the token answer (71,<JWT>) on s/dat.", DefaultValueFactory = _ => 20 };
        var json = CommonOptions.Json();
        var command = new Command("token", "Request a Cumulocity device token (JWT) over MQTT: publish to s/uat, read 71,<JWT> from s/dat.") { timeout, json };
        connection.AddTo(command);
        command.SetGuardedAction(async (invocation, cancellationToken) =>
        {
            var parse = invocation.Parse;
            TimeSpan wait = Seconds(parse.GetValue(timeout), "--timeout");
            MqttDeviceClientOptions options = connection.Build(parse);
            return await RunAsync(options, async (client, _, _) =>
            {
                await using var provider = new CumulocityTokenProvider(client, new CumulocityTokenOptions { AttemptTimeout = wait, MaxAttempts = 1 });
                CumulocityToken token = await provider.RequestTokenAsync(cancellationToken).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    JsonOutput.Write(invocation.Out, w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("token", token.Value);
                        w.WriteString("expiresAt", Timestamp(token.ExpiresAt));
                        w.WriteEndObject();
                    });
                }
                else
                {
                    await invocation.Out.WriteLineAsync(token.Value).ConfigureAwait(false);
                }

                return CliApp.Ok;
            }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>
    /// Connects, runs <paramref name="body"/> with a token that is cancelled when the connection is lost, then
    /// disconnects. Refusals become one sentence with a code (exit 2): a TLS refusal, a CONNACK refusal, a timeout.
    /// </summary>
    private static async Task<int> RunAsync(MqttDeviceClientOptions options, Func<MqttDeviceClient, MqttConnectResult, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        using var lost = new CancellationTokenSource();
        try
        {
            await using var client = new MqttDeviceClient(options);
            client.DisconnectedAsync += _ => lost.CancelAsync();
            MqttConnectResult connected = await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            if (!connected.IsAccepted)
            {
                throw new CliException("connack-refused", connected.Reason);
            }

            int code = await body(client, connected, lost.Token).ConfigureAwait(false);
            await client.DisconnectAsync(cancellationToken).ConfigureAwait(false);
            return code;
        }
        catch (MqttException e)
        {
            string detail = e is MqttConnectException { ServerCertificateCode: { } chainCode } ? $"{e.CodeString}/{chainCode}" : e.CodeString;
            throw new CliException(detail, e.Message);
        }
    }

    private static Option<string> QosOption(string description, string defaultValue)
    {
        var option = new Option<string>("--qos") { Description = description, DefaultValueFactory = _ => defaultValue };
        option.AcceptOnlyFromAmong("0", "1", "2");
        return option;
    }

    private static MqttQualityOfService Qos(string? value) => value switch
    {
        "2" => MqttQualityOfService.ExactlyOnce,
        "1" => MqttQualityOfService.AtLeastOnce,
        _ => MqttQualityOfService.AtMostOnce,
    };

    private static TimeSpan Seconds(double value, string name) =>
        value > 0 && value <= 86_400 ? TimeSpan.FromSeconds(value) : throw new CliException("usage", $"{name} must be between 0 and 86400 seconds");

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static void WriteConnection(Utf8JsonWriter writer, MqttConnectResult connected)
    {
        writer.WriteString("clientId", connected.ClientId);
        writer.WriteString("tlsVersion", connected.TlsProtocol == System.Security.Authentication.SslProtocols.Tls13 ? "1.3" : "1.2");
    }

    // Text: "<topic> <payload>" like mosquitto_sub -v; a payload that is not UTF-8 is shown as hex.
    private static string MessageText(MqttMessageReceivedEventArgs message) =>
        $"{message.Topic} {Utf8OrNull(message.Payload.Span) ?? "0x" + Convert.ToHexString(message.Payload.Span)}";

    private static string MessageJson(MqttMessageReceivedEventArgs message)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("topic", message.Topic);
            writer.WriteNumber("qos", (int)message.QualityOfService);
            writer.WriteBoolean("retain", message.Retain);
            if (Utf8OrNull(message.Payload.Span) is { } text)
            {
                writer.WriteString("payload", text);
            }
            else
            {
                writer.WriteNull("payload");
            }

            writer.WriteString("payloadBase64", Convert.ToBase64String(message.Payload.Span));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static string? Utf8OrNull(ReadOnlySpan<byte> payload)
    {
        try
        {
            return StrictUtf8.GetString(payload);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
