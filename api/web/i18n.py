"""Interface text in English and Russian: a small catalogue keyed by the English text (gettext style).

The language comes from the session when the user chose one, else from Accept-Language, else English.
"""

from __future__ import annotations

from flask import g, request

LANGUAGES = {"en": "English", "ru": "Русский"}
DEFAULT = "en"

RU: dict[str, str] = {
    # layout and sign-in
    "Consentry administration": "Администрирование Consentry",
    "Skip to content": "Перейти к содержимому",
    "Main navigation": "Основная навигация",
    "Home": "Главная",
    "Requests": "Запросы",
    "Merge review": "Проверка дублей",
    "Merges": "Слияния",
    "Validation issues": "Ошибки проверки",
    "Quality report": "Отчёт о качестве",
    "Audit": "Аудит",
    "Sign in": "Войти",
    "Sign out": "Выйти",
    "Signed in as": "Вы вошли как",
    "role": "роль",
    "Language": "Язык",
    "Switch language": "Сменить язык",
    "API key": "API-ключ",
    "Paste the API key you were given (it starts with csk_). It is checked once and never stored in your browser.": (
        "Вставьте выданный вам API-ключ (начинается с csk_). Он проверяется один раз и не хранится в браузере."
    ),
    "Sign-in failed: the key is not valid.": "Вход не выполнен: ключ недействителен.",
    "Sign in to continue.": "Войдите, чтобы продолжить.",
    "You are signed out.": "Вы вышли из системы.",
    "Access denied": "Доступ запрещён",
    "Your role does not allow this page or action.": (
        "Ваша роль не позволяет открыть эту страницу или выполнить действие."
    ),
    "Not found": "Не найдено",
    "Nothing exists at this address.": "По этому адресу ничего нет.",
    "Something went wrong": "Что-то пошло не так",
    "Request id": "Идентификатор запроса",
    "Back to the start page": "Вернуться на главную",
    "The form expired or was not sent from this site. Reload the page and try again.": (
        "Форма устарела или отправлена не с этого сайта. Обновите страницу и повторите попытку."
    ),
    "What you can do": "Что вы можете сделать",
    "Data-subject requests: queue, deadlines and actions.": "Запросы субъектов данных: очередь, сроки и действия.",
    "Pairs of records that may be the same person.": "Пары записей, которые могут относиться к одному человеку.",
    "Merges done and their undo.": "Выполненные слияния и их отмена.",
    "Problems found in contact data.": "Проблемы, найденные в контактных данных.",
    "Duplicate rate and invalid contacts over runs.": "Доля дублей и ошибочных контактов по запускам.",
    "Latest audit entries and chain verification.": "Последние записи аудита и проверка цепочки.",
    "Nothing here for your role.": "Для вашей роли здесь ничего нет.",
    "Done.": "Готово.",
    "The action was refused": "Действие отклонено",
    "Fields": "Поля",
    # audit
    "Audit trail": "Журнал аудита",
    "Chain verification": "Проверка цепочки",
    "The chain is intact.": "Цепочка не нарушена.",
    "The chain is broken.": "Цепочка нарушена.",
    "Entries": "Записей",
    "First bad entry": "Первая повреждённая запись",
    "Latest entries": "Последние записи",
    "Time (UTC)": "Время (UTC)",
    "Actor": "Исполнитель",
    "Action": "Действие",
    "Target": "Объект",
    "Outcome": "Результат",
    "Details": "Подробности",
    "Show": "Показать",
    "entries": "записей",
    # requests
    "Request queue": "Очередь запросов",
    "Filters": "Фильтры",
    "Type": "Тип",
    "Regime": "Режим",
    "State": "Состояние",
    "Due": "Срок",
    "Days left": "Дней осталось",
    "Received": "Получен",
    "any": "любой",
    "Only overdue": "Только просроченные",
    "Apply": "Применить",
    "overdue": "просрочен",
    "No requests match.": "Нет подходящих запросов.",
    "Request": "Запрос",
    "Subject": "Субъект",
    "Timeline": "Хронология",
    "Actions": "Действия",
    "No action is available in this state for your role.": "В этом состоянии для вашей роли нет доступных действий.",
    "Verify identity": "Подтвердить личность",
    "Verification method": "Способ проверки",
    "Note": "Примечание",
    "Extend the deadline": "Продлить срок",
    "Reason": "Причина",
    "Extend": "Продлить",
    "Approve": "Одобрить",
    "Approve the erasure": "Одобрить удаление",
    "Reject": "Отклонить",
    "Reject the request": "Отклонить запрос",
    "Ground": "Основание",
    "Process": "Выполнить",
    "Carry out the request": "Выполнить запрос",
    "Download the access bundle": "Скачать пакет данных",
    "Download the certificate": "Скачать сертификат",
    "Downloads": "Файлы",
    "Extended": "Продлён",
    "yes": "да",
    "no": "нет",
    "Verified": "Проверен",
    "Approved": "Одобрен",
    "Back to the queue": "Назад к очереди",
    "Verify": "Подтвердить",
    # hygiene
    "Open candidates": "Открытые кандидаты",
    "Score": "Оценка",
    "Decision": "Решение",
    "Reasons": "Причины",
    "Record A": "Запись A",
    "Record B": "Запись B",
    "Field": "Поле",
    "Differs": "Отличается",
    "differs": "отличается",
    "same": "совпадает",
    "Personal data is masked: your role lacks subjects:read_pii.": (
        "Персональные данные скрыты: у вашей роли нет права subjects:read_pii."
    ),
    "Merge": "Объединить",
    "Merge these records": "Объединить записи",
    "Not the same person": "Это разные люди",
    "Undo": "Отменить",
    "Undo this merge": "Отменить слияние",
    "No open candidates.": "Открытых кандидатов нет.",
    "Review": "Проверить",
    "Survivor": "Основная запись",
    "Merged record": "Присоединённая запись",
    "Status": "Статус",
    "When": "Когда",
    "No merges yet.": "Слияний пока нет.",
    "No validation issues.": "Ошибок проверки нет.",
    "Code": "Код",
    "Severity": "Важность",
    "Fixable": "Исправимо",
    "Count": "Количество",
    "Duplicate rate": "Доля дублей",
    "Invalid contacts": "Ошибочные контакты",
    "Runs": "Запуски",
    "Run": "Запуск",
    "No runs yet.": "Запусков пока нет.",
    "Duplicate rate and invalid contacts over runs": "Доля дублей и ошибочных контактов по запускам",
    "Completeness": "Заполненность",
    "Records": "Записей",
    "Summary": "Сводка",
    "This part is not available in this build.": "Этот раздел недоступен в этой сборке.",
    "Candidate": "Кандидат",
    "the older record": "более старая запись",
    "Nothing here.": "Здесь пусто.",
    "Next page": "Следующая страница",
    "open": "открыт",
    "merged": "объединён",
    "rejected": "отклонён",
    "superseded": "заменён",
    "merge": "объединить",
    "review": "на проверку",
    "first_name": "Имя",
    "last_name": "Фамилия",
    "middle_name": "Отчество",
    "emails": "Эл. почта",
    "phones": "Телефоны",
    "birth_date": "Дата рождения",
    "gender": "Пол",
    "street": "Улица",
    "city": "Город",
    "postcode": "Индекс",
    "country": "Страна",
    "company": "Компания",
    "channels": "Каналы",
    "external_ids": "Внешние id",
    "email": "Эл. почта",
    "phone": "Телефон",
    "Prior": "Априорный вес",
    "before any field": "до сравнения полей",
    "Total": "Итого",
    "probability {p}": "вероятность {p}",
    "Match weights (log2 Bayes factors)": "Веса совпадения (log2 коэффициента Байеса)",
    "Probability": "Вероятность",
    "Why this pair": "Почему эта пара",
    "Each bar is one field's weight: green for evidence of one person, red against; (tf): weighed by how common "
    "the agreeing value is.": (
        "Каждая полоса — вес одного поля: зелёная — довод за одного человека, красная — против; (tf): с учётом "
        "того, насколько распространено совпавшее значение."
    ),
    "Kept apart by the rule": "Разделены правилом",
    "No explanation: an import or API write queued this pair; a dedupe run that scores it adds one.": (
        "Объяснения нет: пару поставил в очередь импорт или запись через API; его добавит запуск поиска дублей, "
        "который оценит эту пару."
    ),
    "No explanation was recorded for this pair; a dedupe run that scores it adds one.": (
        "Объяснение для этой пары не сохранено; его добавит запуск поиска дублей, который оценит эту пару."
    ),
    "manual, with a note": "вручную, с примечанием",
    "emailed one-time code": "одноразовый код по эл. почте",
    "Code (leave empty to send one)": "Код (оставьте пустым, чтобы отправить)",
    "access": "доступ",
    "portability": "переносимость",
    "erasure": "удаление",
    "rectification": "исправление",
    "restriction": "ограничение",
    "objection": "возражение",
    "opt_out": "отказ",
    "consent_withdrawal": "отзыв согласия",
    "received": "получен",
    "verified": "проверен",
    "extended": "продлён",
    "in_progress": "выполняется",
    "completed": "завершён",
    "submit": "подача",
    "verify": "проверка",
    "extend": "продление",
    "approve": "одобрение",
    "reject": "отклонение",
    "process": "выполнение",
}

# Machine names (profile fields, request types and states) shown in English as words, not identifiers.
EN: dict[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    "middle_name": "Middle name",
    "emails": "Emails",
    "phones": "Phones",
    "birth_date": "Birth date",
    "gender": "Gender",
    "street": "Street",
    "city": "City",
    "postcode": "Postcode",
    "country": "Country",
    "company": "Company",
    "channels": "Channels",
    "external_ids": "External ids",
    "email": "Email",
    "phone": "Phone",
    "opt_out": "opt-out",
    "in_progress": "in progress",
}

CATALOGUES = {"en": EN, "ru": RU}


def negotiate() -> str:
    """The language of this request: the session's choice, else Accept-Language, else English."""
    chosen = (g.get("web_session") or {}).get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT) or DEFAULT


def gettext(text: str, **values) -> str:
    """The interface text in the current language, with {name} placeholders filled."""
    lang = g.get("lang") or DEFAULT
    out = CATALOGUES.get(lang, {}).get(text, text)
    return out.format(**values) if values else out
