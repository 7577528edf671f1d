namespace ContactCenter.Host.Tests;

/// <summary>
/// The RabbitMQ broker that <c>test.sh</c> starts for the run (CC_TEST_RABBITMQ, an amqp URI).
/// Tests that need it fail when it is missing: never a silent skip.
/// </summary>
internal static class TestBroker
{
    public static Dictionary<string, string> HostSettings()
    {
        var uri = Environment.GetEnvironmentVariable("CC_TEST_RABBITMQ");
        if (string.IsNullOrWhiteSpace(uri))
        {
            Assert.Fail("CC_TEST_RABBITMQ is not set: run the suite with ./test.sh, which starts a RabbitMQ broker for the tests.");
        }

        var amqp = new Uri(uri);
        var userInfo = amqp.UserInfo.Split(':', 2);
        return new Dictionary<string, string>
        {
            ["Bus__Transport"] = "RabbitMq",
            ["Bus__RabbitMq__Host"] = amqp.Host,
            ["Bus__RabbitMq__Port"] = amqp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bus__RabbitMq__VirtualHost"] = amqp.AbsolutePath.Length > 1 ? Uri.UnescapeDataString(amqp.AbsolutePath[1..]) : "/",
            ["Bus__RabbitMq__Username"] = Uri.UnescapeDataString(userInfo[0]),
            ["Bus__RabbitMq__Password"] = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "",
        };
    }
}
