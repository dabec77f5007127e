#include "wazuh/stock_model.h"

namespace wazuh {
namespace {

// Conditions follow the stock 4.14.7 rule files; only what matters for matching is kept.
constexpr std::string_view kSyslog = R"xml(
<var name="BAD_WORDS">core_dumped|failure|error|attack| bad |illegal |denied|refused|unauthorized|fatal|failed|Segmentation Fault|Corrupted</var>
<group name="syslog,errors,">
  <rule id="1002" level="2">
    <match>$BAD_WORDS</match>
    <description>Unknown problem somewhere in the system.</description>
  </rule>
  <rule id="1009" level="0">
    <if_sid>1002</if_sid>
    <match>terminated without error|can't verify hostname: getaddrinfo|</match>
    <match>PPM exceeds tolerance</match>
    <description>Ignoring known false positives on rule 1002.</description>
  </rule>
</group>
<group name="syslog,access_control,">
  <rule id="2501" level="5">
    <match>FAILED LOGIN |authentication failure|Authentication failed for|invalid password for|</match>
    <match>LOGIN FAILURE|auth failure: |authentication error|authinternal failed|</match>
    <match>Failed to authorize|Wrong password given for|login failed|Auth: Login incorrect|</match>
    <match>Failed to authenticate user</match>
    <group>authentication_failed,</group>
    <description>syslog: User authentication failure.</description>
  </rule>
</group>
)xml";

constexpr std::string_view kAmazon = R"xml(
<group name="amazon,aws,">
  <rule id="80200" level="0">
    <decoded_as>json</decoded_as>
    <field name="integration">aws</field>
    <description>AWS alert.</description>
    <options>no_full_log</options>
  </rule>
</group>
)xml";

constexpr std::string_view kSuricata = R"xml(
<group name="ids,suricata,">
  <rule id="86600" level="0">
    <decoded_as>json</decoded_as>
    <field name="timestamp">\.+</field>
    <field name="event_type">\.+</field>
    <description>Suricata messages.</description>
    <options>no_full_log</options>
  </rule>
  <rule id="86601" level="3">
    <if_sid>86600</if_sid>
    <field name="event_type">^alert$</field>
    <description>Suricata: Alert - $(alert.signature)</description>
    <options>no_full_log</options>
  </rule>
  <rule id="86602" level="0">
    <if_sid>86600</if_sid>
    <field name="event_type">^http$</field>
    <description>Suricata: HTTP.</description>
    <options>no_full_log</options>
  </rule>
  <rule id="86603" level="0">
    <if_sid>86600</if_sid>
    <field name="event_type">^dns$</field>
    <description>Suricata: DNS.</description>
    <options>no_full_log</options>
  </rule>
  <rule id="86604" level="0">
    <if_sid>86600</if_sid>
    <field name="event_type">^tls$</field>
    <description>Suricata: TLS.</description>
    <options>no_full_log</options>
  </rule>
</group>
)xml";

constexpr std::string_view kVirusTotal = R"xml(
<group name="virustotal,">
  <rule id="87100" level="0">
    <decoded_as>json</decoded_as>
    <field name="integration">virustotal</field>
    <description>VirusTotal integration messages.</description>
    <options>no_full_log</options>
  </rule>
</group>
)xml";

constexpr std::string_view kDocker = R"xml(
<group name="docker,">
  <rule id="87900" level="0">
    <decoded_as>json</decoded_as>
    <field name="integration">docker</field>
    <description>Docker alerts: $(docker.Type)</description>
    <options>no_full_log</options>
  </rule>
</group>
)xml";

constexpr std::string_view kGcp = R"xml(
<group name="gcp,">
  <rule id="65000" level="0">
    <decoded_as>json</decoded_as>
    <field name="integration">gcp</field>
    <description>GCP alert.</description>
    <options>no_full_log</options>
  </rule>
</group>
)xml";

constexpr std::string_view kGithub = R"xml(
<group name="github,git,">
  <rule id="91100" level="0">
    <decoded_as>json</decoded_as>
    <field name="integration">github</field>
    <description>GitHub alert.</description>
    <options>no_full_log</options>
  </rule>
</group>
)xml";

constexpr std::string_view kOffice365 = R"xml(
<group name="office365,">
  <rule id="91531" level="0">
    <decoded_as>json</decoded_as>
    <field name="integration">office365</field>
    <description>Office 365: $(office365.Workload) $(office365.Operation) operation.</description>
    <options>no_full_log</options>
  </rule>
</group>
)xml";

constexpr std::string_view kMsGraph = R"xml(
<group name="ms-graph,">
  <rule id="99500" level="0">
    <decoded_as>json-msgraph</decoded_as>
    <description>MS Graph message: Microsoft graph messages grouped.</description>
    <options>no_full_log</options>
  </rule>
</group>
)xml";

}  // namespace

const std::vector<std::pair<std::string_view, std::string_view>>& stock_model_files() {
  // File names approximate the stock load order (ruleset/rules, sorted by name).
  static const std::vector<std::pair<std::string_view, std::string_view>> files{
      {"0020-syslog_rules.xml", kSyslog},
      {"0350-amazon_rules.xml", kAmazon},
      {"0475-suricata_rules.xml", kSuricata},
      {"0490-virustotal_rules.xml", kVirusTotal},
      {"0560-docker_integration_rules.xml", kDocker},
      {"0600-gcp_rules.xml", kGcp},
      {"0620-github_rules.xml", kGithub},
      {"0625-office365_rules.xml", kOffice365},
      {"0990-ms-graph_rules.xml", kMsGraph},
  };
  return files;
}

}  // namespace wazuh
