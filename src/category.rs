//! Identity categories (困难群众身份) and the funds that pay subsidies.
//!
//! The category set is open: the fourteen categories of [`CategoryKind`] are the ones the five
//! notices name, and a policy file may declare local ones of its own (Hunan 2022 lets each city
//! subsidize 困难退役军人 and 困境儿童). A local category is carried as
//! [`CategoryKind::Local`] and resolved against the policy's declarations when a resident is
//! evaluated.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An identity category a resident may hold, in the domain's words.
///
/// Serialized as its snake_case id (`subsistence_allowance`); read from the id or from any of
/// its Chinese names (`低保对象`, `最低生活保障人员`, ...). Any other name reads as
/// [`CategoryKind::Local`], which a policy must declare before a resident may carry it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CategoryKind {
    /// 特困人员 / 特困供养人员 (农村五保户, 城市"三无"人员).
    ExtremePoverty,
    /// 孤儿.
    Orphan,
    /// 事实无人抚养儿童.
    DeFactoOrphan,
    /// 残疾人; the resident's entry carries the grade (1–4, 重度 = 1–2).
    Disability,
    /// 低保对象 / 最低生活保障人员.
    SubsistenceAllowance,
    /// 最低生活保障边缘家庭成员.
    SubsistenceFringe,
    /// 建档立卡贫困人口.
    RegisteredPoor,
    /// 边缘户 (扶贫部门确认) / 边缘易致贫户.
    PovertyFringe,
    /// 防止返贫监测对象 / 农村低收入人口监测对象.
    Monitored,
    /// 返贫致贫人口.
    ReturnedToPoverty,
    /// 社会保障兜底脱贫对象.
    FloorPovertyExit,
    /// 困难大学生.
    NeedyCollegeStudent,
    /// 优抚对象 / 优抚人员.
    EntitledGroup,
    /// 稳定脱贫人口 (covered, no subsidy in any built-in notice).
    StablyLifted,
    /// A category declared by a policy file (`[[category]]`), by its id or Chinese name.
    Local(Box<str>),
}

/// The built-in categories with their ids and the Chinese names accepted for them.
const BUILTIN: &[(CategoryKind, &str, &[&str])] = &[
    (
        CategoryKind::ExtremePoverty,
        "extreme_poverty",
        &[
            "特困人员",
            "特困供养人员",
            "特困",
            "特困户",
            "特困供养对象",
            "农村五保户",
            "五保户",
            "城市三无人员",
            "城市“三无”人员",
            "三无人员",
        ],
    ),
    (CategoryKind::Orphan, "orphan", &["孤儿", "城乡孤儿"]),
    (
        CategoryKind::DeFactoOrphan,
        "de_facto_orphan",
        &["事实无人抚养儿童"],
    ),
    (
        CategoryKind::Disability,
        "disability",
        &["残疾人", "残疾人员", "残疾"],
    ),
    (
        CategoryKind::SubsistenceAllowance,
        "subsistence_allowance",
        &[
            "低保对象",
            "最低生活保障人员",
            "最低生活保障对象",
            "城乡低保对象",
            "低保",
            "低保户",
            "低保人员",
        ],
    ),
    (
        CategoryKind::SubsistenceFringe,
        "subsistence_fringe",
        &["最低生活保障边缘家庭成员", "低保边缘家庭成员", "低保边缘户"],
    ),
    (
        CategoryKind::RegisteredPoor,
        "registered_poor",
        &[
            "建档立卡贫困人口",
            "建档立卡贫困户",
            "建档立卡贫困人员",
            "建档立卡户",
            "建档立卡",
        ],
    ),
    (
        CategoryKind::PovertyFringe,
        "poverty_fringe",
        &["边缘户", "边缘易致贫户"],
    ),
    (
        CategoryKind::Monitored,
        "monitored",
        &[
            "防止返贫监测对象",
            "监测对象",
            "监测户",
            "防返贫监测户",
            "防止返贫监测户",
            "农村低收入人口监测对象",
            "脱贫不稳定户",
            "突发严重困难户",
        ],
    ),
    (
        CategoryKind::ReturnedToPoverty,
        "returned_to_poverty",
        &["返贫致贫人口"],
    ),
    (
        CategoryKind::FloorPovertyExit,
        "floor_poverty_exit",
        &["社会保障兜底脱贫对象", "兜底脱贫对象"],
    ),
    (
        CategoryKind::NeedyCollegeStudent,
        "needy_college_student",
        &["困难大学生"],
    ),
    (
        CategoryKind::EntitledGroup,
        "entitled_group",
        &["优抚对象", "优抚人员"],
    ),
    (
        CategoryKind::StablyLifted,
        "stably_lifted",
        &["稳定脱贫人口"],
    ),
];

impl CategoryKind {
    /// The snake_case id (`subsistence_allowance`), or the name a local category was given.
    pub fn id(&self) -> &str {
        match self {
            CategoryKind::Local(name) => name,
            builtin => BUILTIN
                .iter()
                .find(|(kind, _, _)| kind == builtin)
                .map_or("", |(_, id, _)| id),
        }
    }

    /// Whether this is one of the built-in categories (not [`CategoryKind::Local`]).
    pub fn is_builtin(&self) -> bool {
        !matches!(self, CategoryKind::Local(_))
    }

    /// The ids of all built-in categories, in the order of the data contract (`docs/contract.md`).
    pub fn builtin_ids() -> impl Iterator<Item = &'static str> {
        BUILTIN.iter().map(|(_, id, _)| *id)
    }

    /// Every name a built-in category is read from, with its id: the id itself and each
    /// Chinese name or alias.
    pub fn builtin_names() -> impl Iterator<Item = (&'static str, &'static str)> {
        BUILTIN.iter().flat_map(|(_, id, aliases)| {
            std::iter::once((*id, *id)).chain(aliases.iter().map(move |alias| (*id, *alias)))
        })
    }

    /// Each built-in category as an error message lists it: its id and its first Chinese name
    /// (`subsistence_allowance (低保对象)`).
    pub fn accepted() -> Vec<String> {
        BUILTIN
            .iter()
            .map(|(_, id, names)| match names.first() {
                Some(name) => format!("{id} ({name})"),
                None => (*id).to_string(),
            })
            .collect()
    }

    /// Reads a built-in category from its id or one of its Chinese names.
    pub fn builtin(name: &str) -> Option<CategoryKind> {
        let name = name.trim();
        BUILTIN
            .iter()
            .find(|(_, id, aliases)| *id == name || aliases.contains(&name))
            .map(|(kind, _, _)| kind.clone())
    }
}

impl FromStr for CategoryKind {
    type Err = std::convert::Infallible;

    /// Never fails: a name that is not built in becomes [`CategoryKind::Local`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(CategoryKind::builtin(s).unwrap_or_else(|| CategoryKind::Local(s.trim().into())))
    }
}

impl fmt::Display for CategoryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for CategoryKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for CategoryKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        if name.trim().is_empty() {
            return Err(serde::de::Error::custom(
                "a category name must not be empty (e.g. \"subsistence_allowance\" or \"低保对象\")",
            ));
        }
        Ok(name.parse().unwrap_or_else(|never| match never {}))
    }
}

/// One identity category held by a resident.
///
/// ```
/// use urrbmi::{CategoryKind, HeldCategory};
/// let held: HeldCategory = serde_json::from_str(r#"{"kind": "残疾人", "grade": 2}"#)?;
/// assert_eq!(held.kind, CategoryKind::Disability);
/// assert_eq!(held.grade, Some(2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct HeldCategory {
    /// Which category.
    pub kind: CategoryKind,
    /// Disability grade 1–4 (一级 is the most severe). Required for [`CategoryKind::Disability`],
    /// not allowed on any other category.
    #[serde(
        default,
        deserialize_with = "grade",
        skip_serializing_if = "Option::is_none"
    )]
    pub grade: Option<u8>,
    /// The day the responsible department recognized the resident in this category. Absent
    /// means recognized long ago.
    #[serde(
        default,
        deserialize_with = "crate::dates::deserialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub recognized_on: Option<NaiveDate>,
}

/// Reads a disability grade: a whole number (`null` for none). A grade out of 1-4 that fits a
/// byte is left for evaluation to refuse with its index; anything else is refused here.
fn grade<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u8>, D::Error> {
    struct Grade;

    const EXPECTED: &str =
        "a disability grade is a whole number: 1, 2, 3 or 4 (一级 is the most severe)";

    impl<'de> serde::de::Visitor<'de> for Grade {
        type Value = Option<u8>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str(EXPECTED)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }

        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            u8::try_from(v)
                .map(Some)
                .map_err(|_| E::custom(format_args!("{v} is not a disability grade; {EXPECTED}")))
        }

        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            u64::try_from(v)
                .map_err(|_| E::custom(format_args!("{v} is not a disability grade; {EXPECTED}")))
                .and_then(|v| self.visit_u64(v))
        }

        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Err(E::custom(format_args!(
                "{v} is not a disability grade; {EXPECTED}"
            )))
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Err(E::custom(format_args!(
                "`{}` is text, not a disability grade; {EXPECTED}",
                crate::error::shown(v)
            )))
        }
    }

    deserializer.deserialize_option(Grade)
}

crate::object::object_only!(
    HeldCategory,
    "a category as an object with named fields (kind, grade, recognized_on)"
);

impl HeldCategory {
    /// A category recognized long ago, with no grade.
    pub fn new(kind: CategoryKind) -> Self {
        HeldCategory {
            kind,
            grade: None,
            recognized_on: None,
        }
    }

    /// A disability of the given grade (1–4), recognized long ago.
    pub fn disability(grade: u8) -> Self {
        HeldCategory {
            kind: CategoryKind::Disability,
            grade: Some(grade),
            recognized_on: None,
        }
    }

    /// The same category, recognized on `date`.
    pub fn recognized_on(mut self, date: NaiveDate) -> Self {
        self.recognized_on = Some(date);
        self
    }
}

impl From<CategoryKind> for HeldCategory {
    fn from(kind: CategoryKind) -> Self {
        HeldCategory::new(kind)
    }
}

crate::names::named_enum! {
    /// A fund that pays part of a resident's personal contribution: the built-in ones, and those
    /// a policy declares (`[[funder]]`, e.g. 村集体).
    #[non_exhaustive]
    pub enum Funder ("funder") open {
        /// 财政 (fiscal budget, at whatever level the notice names).
        Fiscal => "fiscal", "财政", "财政补助", "财政资金";
        /// 医疗救助资金 (medical assistance fund).
        MedicalAssistance => "medical_assistance", "医疗救助资金", "医疗救助";
        /// 优抚资金 (fund for entitled groups: veterans, martyrs' families).
        EntitledGroupFund => "entitled_group_fund", "优抚资金";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_names_read_as_builtin_categories() {
        assert_eq!(
            "低保对象".parse::<CategoryKind>(),
            Ok(CategoryKind::SubsistenceAllowance)
        );
        assert_eq!(
            "特困供养人员".parse::<CategoryKind>(),
            Ok(CategoryKind::ExtremePoverty)
        );
        assert_eq!(
            "困境儿童".parse::<CategoryKind>(),
            Ok(CategoryKind::Local("困境儿童".into()))
        );
    }

    #[test]
    fn every_builtin_id_round_trips() {
        for id in CategoryKind::builtin_ids() {
            let kind = CategoryKind::builtin(id).expect("built-in id");
            assert_eq!(kind.id(), id);
            assert!(kind.is_builtin());
        }
    }
}
