import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  type RESTPutAPIApplicationGuildCommandsJSONBody,
} from 'discord-api-types/v10';

/** The one slash command of the support console, and its subcommands (names as Discord shows them). */
export const COMMAND_NAME = 'ponte';

export const SUBCOMMANDS = {
  status: 'status',
  failures: 'falhas',
  event: 'evento',
  retry: 'reprocessar',
  resolve: 'resolver',
  welcome: 'boas-vindas',
} as const;

/** The channels of `/ponte boas-vindas` (the option's values are WELCOME_CHANNELS' names). */
export const WELCOME_CHOICES = [
  { name: 'WhatsApp (celular corrigido)', value: 'whatsapp' },
  { name: 'E-mail', value: 'email' },
] as const;

/** What `npm run discord -- register` puts in the school's server (a bulk overwrite: idempotent). */
export const GUILD_COMMANDS: RESTPutAPIApplicationGuildCommandsJSONBody = [
  {
    type: ApplicationCommandType.ChatInput,
    name: COMMAND_NAME,
    description: 'Suporte das matrículas da Kiwify: situação, falhas e eventos',
    options: [
      { type: ApplicationCommandOptionType.Subcommand, name: SUBCOMMANDS.status, description: 'Como está a fila, as falhas e as conexões' },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: SUBCOMMANDS.failures,
        description: 'As últimas vendas com falha, com botões para reprocessar ou resolver',
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: SUBCOMMANDS.event,
        description: 'A história de um evento: por #número, pedido, CPF ou e-mail',
        options: [
          {
            type: ApplicationCommandOptionType.String,
            name: 'busca',
            description: '#número do evento, código do pedido, CPF ou e-mail do comprador',
            required: true,
            max_length: 200,
          },
        ],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: SUBCOMMANDS.retry,
        description: 'Processa de novo um evento com falha (continua de onde parou)',
        options: [
          { type: ApplicationCommandOptionType.Integer, name: 'id', description: 'Número do evento', required: true, min_value: 1 },
        ],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: SUBCOMMANDS.resolve,
        description: 'Marca uma falha como resolvida à mão, com uma nota',
        options: [
          { type: ApplicationCommandOptionType.Integer, name: 'id', description: 'Número do evento', required: true, min_value: 1 },
          {
            type: ApplicationCommandOptionType.String,
            name: 'nota',
            description: 'Como foi resolvido (ex.: cadastrado à mão no EAD)',
            required: true,
            max_length: 500,
          },
        ],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: SUBCOMMANDS.welcome,
        description: 'Reenvia as boas-vindas (login e senha) que não chegaram, por WhatsApp ou por e-mail',
        options: [
          { type: ApplicationCommandOptionType.Integer, name: 'id', description: 'Número do evento', required: true, min_value: 1 },
          {
            type: ApplicationCommandOptionType.String,
            name: 'canal',
            description: 'Por onde reenviar',
            required: true,
            choices: [...WELCOME_CHOICES],
          },
          {
            type: ApplicationCommandOptionType.String,
            name: 'contato',
            description: 'O celular corrigido (WhatsApp) ou o e-mail do aluno',
            required: true,
            max_length: 320,
          },
        ],
      },
    ],
  },
];
