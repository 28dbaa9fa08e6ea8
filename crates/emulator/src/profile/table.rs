//! The server profiles as data: for each real release, the product, the build, the differences
//! from the default emulator (each with the rule that makes it) and the notes where the facts
//! name no difference. Add a release here; the mechanics are in the parent module.

use crate::behaviour::{VbrMissingVersion, ZvmKind};
use crate::config::Vbr401Body;
use crate::state::Product;

use super::{Difference, Note, Profile, Setting};

// ---- VBR ---------------------------------------------------------------------------------------

/// VBR-13: every revision from 1.0-rev1 up to the release's own. `1.1-rev2` (a 12.1 update, not
/// in the vendor's table, `@undocumented`) is served from 12.1 on.
const VBR_UP_TO_1_2_REV1: &[&str] = &[
    "1.0-rev1", "1.0-rev2", "1.1-rev0", "1.1-rev1", "1.1-rev2", "1.2-rev0", "1.2-rev1",
];
const VBR_UP_TO_1_3_REV0: &[&str] = &[
    "1.0-rev1", "1.0-rev2", "1.1-rev0", "1.1-rev1", "1.1-rev2", "1.2-rev0", "1.2-rev1", "1.3-rev0",
];
const VBR_UP_TO_1_3_REV1: &[&str] = &[
    "1.0-rev1", "1.0-rev2", "1.1-rev0", "1.1-rev1", "1.1-rev2", "1.2-rev0", "1.2-rev1", "1.3-rev0",
    "1.3-rev1",
];
const VBR_UP_TO_1_3_REV2: &[&str] = &[
    "1.0-rev1", "1.0-rev2", "1.1-rev0", "1.1-rev1", "1.1-rev2", "1.2-rev0", "1.2-rev1", "1.3-rev0",
    "1.3-rev1", "1.3-rev2",
];

const VBR_EMPTY_401: Difference = Difference {
    rule: "VBR-12",
    setting: Setting::Vbr401Body(Vbr401Body::Empty),
    why: "real clients report an empty 401 body for a refused or expired token; the facts: \
          the emulator's profiles of real releases answer empty",
};

const VBR_13X_MISSING_VERSION: Difference = Difference {
    rule: "VBR-08",
    setting: Setting::VbrMissingVersion(VbrMissingVersion::Newest),
    why: "a 13.x CLI sends no x-api-version and works (client evidence, @undocumented); the \
          reference's 400 rests on a VBR 11 answer",
};

const VBR_LIFETIME_NOTE: Note = Note {
    rule: "VBR-02",
    text: "access tokens live 900 s: the token model, every example and the example token say \
           900 s, the overview and the v12 security page 60 minutes; no source ties either \
           figure to a build, so no release differs",
};

const VBR_REVISION_NOTE: Note = Note {
    rule: "VBR-05",
    text: "POST /api/oauth2/authorization_code exists up to 1.2-rev1 and answers 404 from 1.3-rev0: \
           decided by the revision a request asks for, not by the release",
};

const VBR_CASE_NOTE: Note = Note {
    rule: "VBR-11",
    text: "enumeration spelling follows the requested revision (capitalised from 1.3-rev1); \
           grant types are read without regard to case on every release",
};

const VBR_MISSING_VERSION_12_NOTE: Note = Note {
    rule: "VBR-08",
    text: "a request without x-api-version is refused with 400: the only release-specific \
           evidence of a server answering without it is for 13.x",
};

// ---- EM ----------------------------------------------------------------------------------------

const EM_TOKEN_NOTE: Note = Note {
    rule: "EM-14",
    text: "token = base64(SessionId): scripts against real servers rely on it, while the logon \
           guide of build 13.0.1.1071 shows a 16-byte token; the facts tie neither reading to a \
           release",
};

const EM_BOM_NOTE: Note = Note {
    rule: "EM-15",
    text: "no BOM: the facts say a BOM depends on the release but name no release that sends one",
};

const EM_VERSIONS_NOTE: Note = Note {
    rule: "EM-13",
    text: "v1_7 is current on B&R 12 and 13; v1_6 and v1_5 are deprecated and served; v1_4 is \
           refused (the facts name no difference between 12 and 13)",
};

// ---- ZVM ---------------------------------------------------------------------------------------

const ZVM_LIFETIME_NOTE: Note = Note {
    rule: "ZVM-12",
    text: "Appliance tokens 300 s / refresh 1,800 s: Keycloak's default access lifetime and the \
           hosted service's refresh window; the 60 s of the hosted service is not the Appliance's",
};

/// Every profile, VBR first, then EM and ZVM, oldest release first.
pub(super) static PROFILES: &[Profile] = &[
    Profile {
        name: "vbr-12.3.1",
        product: Product::Vbr,
        release: "Veeam Backup & Replication 12.3.1 (build 12.3.1.1139, newest revision 1.2-rev1)",
        differences: &[
            Difference {
                rule: "VBR-13",
                setting: Setting::VbrApiVersions(VBR_UP_TO_1_2_REV1),
                why: "every revision from 1.0-rev1 up to the release's own, 1.2-rev1 \
                      (first served by 12.3.1.1139)",
            },
            VBR_EMPTY_401,
        ],
        notes: &[
            VBR_LIFETIME_NOTE,
            VBR_MISSING_VERSION_12_NOTE,
            Note {
                rule: "VBR-05",
                text: "every revision it serves is 1.2-rev1 or older: \
                       POST /api/oauth2/authorization_code answers for all of them",
            },
            VBR_CASE_NOTE,
        ],
    },
    Profile {
        name: "vbr-13.0.0",
        product: Product::Vbr,
        release: "Veeam Backup & Replication 13.0 (build 13.0.0.4967, newest revision 1.3-rev0)",
        differences: &[
            Difference {
                rule: "VBR-13",
                setting: Setting::VbrApiVersions(VBR_UP_TO_1_3_REV0),
                why: "every revision from 1.0-rev1 up to 1.3-rev0 (first served by 13.0.0.4967)",
            },
            VBR_EMPTY_401,
            VBR_13X_MISSING_VERSION,
        ],
        notes: &[VBR_LIFETIME_NOTE, VBR_REVISION_NOTE, VBR_CASE_NOTE],
    },
    Profile {
        name: "vbr-13.0.1",
        product: Product::Vbr,
        release: "Veeam Backup & Replication 13.0.1 (build 13.0.1.180, newest revision 1.3-rev1)",
        differences: &[
            Difference {
                rule: "VBR-13",
                setting: Setting::VbrApiVersions(VBR_UP_TO_1_3_REV1),
                why: "every revision from 1.0-rev1 up to 1.3-rev1 (first served by 13.0.1.180)",
            },
            VBR_EMPTY_401,
            VBR_13X_MISSING_VERSION,
        ],
        notes: &[
            VBR_LIFETIME_NOTE,
            VBR_REVISION_NOTE,
            VBR_CASE_NOTE,
            Note {
                rule: "VBR-13",
                text: "apart from the newest revision, the facts name no difference from 13.0.0",
            },
        ],
    },
    Profile {
        name: "vbr-13.1.0",
        product: Product::Vbr,
        release: "Veeam Backup & Replication 13.1 (build 13.1.0.411, newest revision 1.3-rev2)",
        differences: &[
            Difference {
                rule: "VBR-13",
                setting: Setting::VbrApiVersions(VBR_UP_TO_1_3_REV2),
                why: "every revision from 1.0-rev1 up to 1.3-rev2 (first served by 13.1.0.411)",
            },
            VBR_EMPTY_401,
            VBR_13X_MISSING_VERSION,
        ],
        notes: &[
            VBR_LIFETIME_NOTE,
            VBR_REVISION_NOTE,
            VBR_CASE_NOTE,
            Note {
                rule: "VBR-13",
                text: "apart from the newest revision, the facts name no difference from 13.0.1 \
                       (one client's claim that 13.1 also serves port 443 is unsourced: not modelled)",
            },
        ],
    },
    Profile {
        name: "em-9.5",
        product: Product::Em,
        release: "Enterprise Manager of an older release still answering v1_4 (B&R 9.5 clients \
                  pin it)",
        differences: &[Difference {
            rule: "EM-13",
            setting: Setting::EmVersions(&["v1_4", "v1_5", "v1_6", "v1_7"]),
            why: "sourced: clients written for B&R 9.5 pin v1_4 and the versions page marks it \
                  'not supported' without saying it is refused (@undocumented); NOT sourced: \
                  which other versions such a server lists, so the default v1_5..v1_7 are kept \
                  and latest stays v1_7 (a real 9.5 cannot know v1_7, B&R 12's version)",
        }],
        notes: &[EM_TOKEN_NOTE, EM_BOM_NOTE],
    },
    Profile {
        name: "em-12",
        product: Product::Em,
        release: "Enterprise Manager of Veeam Backup & Replication 12 (REST API v1_7)",
        differences: &[],
        notes: &[EM_VERSIONS_NOTE, EM_TOKEN_NOTE, EM_BOM_NOTE],
    },
    Profile {
        name: "em-13",
        product: Product::Em,
        release: "Enterprise Manager of Veeam Backup & Replication 13 (REST API v1_7; guide build \
                  13.0.1.1071)",
        differences: &[],
        notes: &[EM_VERSIONS_NOTE, EM_TOKEN_NOTE, EM_BOM_NOTE],
    },
    Profile {
        name: "zvm-9.7",
        product: Product::Zvm,
        release: "Zerto Virtual Manager 9.7 on Windows",
        differences: &[Difference {
            rule: "ZVM-10",
            setting: Setting::ZvmKind(ZvmKind::Windows),
            why: "a Windows ZVM logs on through POST /v1/session/add (ZVM-01) and has no Keycloak \
                  realm; the OpenID Connect paths do not exist",
        }],
        notes: &[Note {
            rule: "ZVM-14",
            text: "PascalCase property names, as the Windows ZVM answers",
        }],
    },
    Profile {
        name: "zvm-10",
        product: Product::Zvm,
        release: "Zerto Virtual Manager 10 Appliance (Linux)",
        differences: &[Difference {
            rule: "ZVM-10",
            setting: Setting::ZvmKind(ZvmKind::Appliance),
            why: "the Appliance replaces /v1/session/add with OpenID Connect (ZVM-09) and \
                  answers it 404, which clients use to tell it from a Windows ZVM",
        }],
        notes: &[
            Note {
                rule: "ZVM-14",
                text: "PascalCase property names: Appliance clients read PascalCase although \
                       the published OpenAPI file writes camelCase (the facts: the Appliance \
                       profile answers PascalCase by default)",
            },
            Note {
                rule: "ZVM-11",
                text: "tokens without scope=openid are accepted: Zerto's own Appliance module \
                       sends no scope; the refusal is documented for the hosted service only",
            },
            ZVM_LIFETIME_NOTE,
        ],
    },
];
