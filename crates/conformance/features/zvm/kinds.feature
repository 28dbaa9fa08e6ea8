Feature: Telling a ZVM Appliance from a Windows ZVM
  The ZVM Appliance has no `/v1/session/add`: it answers `404 Not Found`, while a Windows ZVM
  answers a logon without credentials with `401 Unauthorized`. Clients probe exactly that, without
  sending a credential, before they choose a logon. The emulator serves both logons by default and
  plays one kind as a setting.

  @ZVM-10 @undocumented
  Scenario: A logon without credentials tells the kind
    When I start a Zerto session without credentials
    Then the answer follows one of the documented readings:
      | answer | reading                                         | emulator |
      | 401    | a Windows ZVM (or the emulator serving both)    | yes      |
      | 404    | a ZVM Appliance                                 |          |

  @ZVM-10 @undocumented @emulator-only
  Scenario: The Appliance answers the Windows logon with 404, with or without credentials
    Given the emulator plays a ZVM Appliance
    When I start a Zerto session without credentials
    Then the answer is 404 Not Found
    When I start a Zerto session with Basic credentials
    Then the answer is 404 Not Found

  @ZVM-10 @undocumented @emulator-only
  Scenario: The Appliance serves the same /v1 resources to its bearer tokens
    Given the emulator plays a ZVM Appliance
    And I am logged on to the ZVM Appliance with the openid scope
    When I get the local site with the bearer token
    Then the answer is 200 OK

  @ZVM-09 @emulator-only
  Scenario: A Windows ZVM has no OpenID Connect token endpoint
    Given the emulator plays a Windows ZVM
    When I ask the appliance for a token with my user name and password
    Then the answer is 404 Not Found
