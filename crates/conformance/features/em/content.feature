Feature: Enterprise Manager content negotiation
  Enterprise Manager answers XML unless the request says `Accept: application/json`. The JSON
  form keeps the XML names: attributes and child elements become properties, and a list such as
  `Links` becomes an array of objects.

  @EM-07
  Scenario: Without an Accept header the answer is XML
    When I log on to Enterprise Manager with version "latest"
    Then the answer is XML

  @EM-07
  Scenario: With Accept application/xml the answer is XML
    Given I am logged on to Enterprise Manager
    When I list the logon sessions asking for "application/xml"
    Then the answer is XML

  @EM-07
  Scenario: With Accept application/json the logon answer is JSON with the XML names
    When I log on to Enterprise Manager with version "latest" asking for JSON
    Then the answer is 201 Created
    And the answer is JSON
    And the JSON has the fields "Href, Type, UserName, SessionId, Links"
    And the JSON field "Type" is "LogonSession"
    And the JSON field "Links" is a list of objects with "Rel, Href, Type"

  @EM-07
  Scenario: With Accept application/json the entry point is JSON
    When I ask for the Enterprise Manager entry point asking for JSON
    Then the answer is 200 OK
    And the answer is JSON
    And the JSON field "Links" is a list of objects with "Rel, Href, Type"

  @EM-15 @undocumented
  Scenario: Whether a JSON answer begins with a byte-order mark
    Some releases put a UTF-8 byte-order mark before their JSON; a client must accept both.
    When I ask for the Enterprise Manager entry point asking for JSON
    Then the answer's byte-order mark follows one of the readings:
      | reading                        | emulator |
      | no byte-order mark              | yes      |
      | a UTF-8 byte-order mark first   |          |
